"""End to end with `pts up`: events posted to ingest, then delivered to the handler
functions over HTTP as the broker would, scrambled and repeated, leave the same tables as
in-order processing."""

import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from .helpers import deliver_all, handlers_for, tables
from .test_replay import stream

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pts_up(db_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url}
    log_file = (tmp_path / "up.log").open("wb")  # a file, not a pipe nobody drains
    proc = subprocess.Popen(
        [sys.executable, "-m", "pts.cli", "up", "--port", str(port), "--threads", "4",
         "--data-dir", str(tmp_path)],
        env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:  # refused, reset or timed out: not up yet
                if time.monotonic() > deadline:
                    pytest.fail("pts up did not answer /healthz within 60 s")
                if proc.poll() is not None:
                    pytest.fail((tmp_path / "up.log").read_text())
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log_file.close()


def post(url: str, headers: dict, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_scrambled_repeated_deliveries_over_http_equal_in_order_processing(pts_up, sql):
    events = stream(15)
    status, body = post(f"{pts_up}/function/ingest",
                        {"Content-Type": "application/cloudevents-batch+json"},
                        json.dumps(events).encode())
    assert status == 202, body
    seqs = {(e["source"], e["id"]): e["seq"] for e in json.loads(body)["events"]}
    rng = random.Random(4)
    deliveries = [(e, h) for e in events for h in handlers_for(e["type"])]
    deliveries += rng.sample(deliveries, 20)
    rng.shuffle(deliveries)
    for i, (e, handler) in enumerate(deliveries):
        attrs = {k: v for k, v in e.items() if k != "data"}
        ce = CloudEvent({**attrs, "ptsseq": str(seqs[(e["source"], e["id"])])}, e["data"])
        headers, data = (to_binary if i % 2 else to_structured)(ce)
        status, body = post(f"{pts_up}/function/{handler}", headers, data)
        assert (status, body) == (204, b""), (handler, e["type"], body)
    live = tables(sql)
    for t in live:
        sql.execute(f"DELETE FROM {t}")
    in_order = [e for _, _, e in sorted(
        (row[0], row[1], next(e for e in events if e["id"] == row[2]))
        for row in sql.execute("SELECT occurred_at, seq, id FROM platform_events"))]
    deliver_all(in_order)
    assert tables(sql) == live
    assert len(live["deployments"]) == 15 and len(live["service_transitions"]) == 15
