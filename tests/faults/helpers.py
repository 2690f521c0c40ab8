"""What the fault tests share: waiting on a condition, posting events, reading the log of a
`pts up` data directory, and a load that records every answer."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from pts.db.embedded import ensure_embedded, postmaster_pid
from pts.db.urls import to_conninfo
from tests.support.env import ROOT, TEST_TOKEN
from tests.support.up import Served, environment, up
from tests.support.wait import wait_for as support_wait_for


def start(data: Path, **env: str) -> Served:
    """`pts up` on data (PTS_ADMIN_TOKEN=TEST_TOKEN, env on top) on a free port."""
    return up(data, env=environment({"PTS_ADMIN_TOKEN": TEST_TOKEN, **env}))


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll predicate until it returns a truthy value; fail after timeout seconds."""
    return support_wait_for(predicate, timeout=timeout, interval=interval)


def deployment(i: int, run: str = "r") -> dict:
    """A plain-JSON deployment event (started, then succeeded or failed) with its own id."""
    kind = ("deployment.started", "deployment.succeeded", "deployment.failed")[i % 3]
    return {"type": kind, "source": "/ci/faults", "id": f"{run}-{i}",
            "deployment_id": f"d-{i // 3}", "service": f"svc-{i % 5}",
            "environment": ("prod", "staging")[i % 2], "version": f"1.{i // 3}",
            "time": f"2026-11-28T10:{(i // 60) % 60:02d}:{i % 60:02d}Z"}


def post(port: int, body: dict | list, timeout: float = 10.0) -> tuple[int, dict, bytes, float]:
    """POST to ingest on a new connection: status, headers, body, seconds taken."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.monotonic()
    try:
        conn.request("POST", "/function/ingest", body=json.dumps(body).encode(),
                     headers={"Authorization": f"Bearer {TEST_TOKEN}",
                              "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read(), time.monotonic() - start
    finally:
        conn.close()


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.monotonic()
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {TEST_TOKEN}"})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - start
    finally:
        conn.close()


def app_conn(data_dir: Path) -> psycopg.Connection:
    """A connection to the embedded database of data_dir as the functions' role."""
    return psycopg.connect(to_conninfo(ensure_embedded(data_dir, migrate=False)),
                           autocommit=True)


def stored_ids(data_dir: Path) -> set[str]:
    with app_conn(data_dir) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM platform_events")}


def postmaster(data_dir: Path) -> int | None:
    return postmaster_pid(Path(data_dir).resolve() / "pgdata")


@dataclass
class Load:
    """Threads posting single events until stopped; every answer is recorded."""

    port: int
    threads: int = 2
    run: str = "r"
    acknowledged: set = field(default_factory=set)
    answers: list = field(default_factory=list)  # (status, headers, seconds, monotonic)
    errors: int = 0

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._next = iter(range(10**9))
        self._workers = [threading.Thread(target=self._work, daemon=True)
                         for _ in range(self.threads)]

    def start(self) -> Load:
        for w in self._workers:
            w.start()
        return self

    def _work(self) -> None:
        deadline = time.monotonic() + 120  # bounded whatever happens
        while not self._stop.is_set() and time.monotonic() < deadline:
            with self._lock:
                i = next(self._next)
            event = deployment(i, self.run)
            try:
                status, headers, _, took = post(self.port, event, timeout=5)
            except OSError:
                with self._lock:
                    self.errors += 1
                self._stop.wait(0.05)
                continue
            with self._lock:
                self.answers.append((status, headers, took, time.monotonic()))
                if status == 202:
                    self.acknowledged.add(event["id"])

    def count(self, status: int) -> int:
        with self._lock:
            return sum(1 for a in self.answers if a[0] == status)

    def stop(self) -> None:
        self._stop.set()
        for w in self._workers:
            w.join(10)


def settled(data) -> bool:
    """Every event emitted and every delivery done (delivered or dead-lettered)."""
    with app_conn(data) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM event_emissions WHERE emitted_at IS NULL) + "
            "(SELECT count(*) FROM broker_deliveries WHERE status = 'pending')").fetchone()[0] == 0


def replayed_tables(data: Path) -> dict[str, list[dict]]:
    """The projection tables after `pts replay` of data's log (the CLI, as a user runs it),
    to compare with what the live handlers built."""
    from tests.projections.helpers import tables

    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PTS_MIGRATE_DATABASE_URL")}
    replay = subprocess.run([sys.executable, "-m", "pts.cli", "replay", "--data-dir",
                             str(data)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert replay.returncode == 0, replay.stderr
    with app_conn(data) as conn:
        return tables(conn)
