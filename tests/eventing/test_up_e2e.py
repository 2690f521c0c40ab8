"""End to end: `pts up` as a real subprocess on a free port with a temporary data directory."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

from pts.db.embedded import ensure_embedded
from pts.db.urls import to_conninfo
from tests.eventing.helpers import deployment
from tests.support.env import TEST_TOKEN
from tests.support.up import Served, environment, migrated_copy, stop_postgres
from tests.support.up import pts as run_pts
from tests.support.up import up as start_up
from tests.support.wait import free_port, wait_for

CLEARED = ("DATABASE_URL", "K_SINK", "K_CE_OVERRIDES")


def _env(extra: dict) -> dict:
    return environment({"PTS_BROKER_RETRY": "2", "PTS_BROKER_BACKOFF_DELAY": "0.05",
                        "PTS_BROKER_BACKOFF_MAX": "0.2", "PTS_BROKER_TIMEOUT": "10",
                        "PTS_RELAY_INTERVAL": "0.3", "PTS_RELAY_DELAY": "0.5",
                        "PTS_ADMIN_TOKEN": TEST_TOKEN, **extra},
                       clear=CLEARED, clear_prefix="PTS_")


def pts(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_pts(*args, env=_env(env or {}), timeout=60)


def settled(data_dir: Path, received: int) -> bool:
    """Every delivery to the deployments handler is final, after `received` attempts."""
    url = ensure_embedded(data_dir, migrate=False)
    with psycopg.connect(to_conninfo(url)) as conn:
        pending, attempts = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'pending'), coalesce(sum(attempts), 0) "
            "FROM broker_deliveries WHERE subscriber = 'deployments'").fetchone()
    return pending == 0 and attempts == received


def _tempdir(prefix: str) -> Path:
    # Not pytest's tmp_path: the embedded server runs as its own user, and pytest's base
    # folder is private to root.
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture
def up():
    """Start `pts up` (fresh=True: in an empty data directory); everything is stopped after."""
    started: list[Served] = []

    def start(env: dict | None = None, fresh: bool = False, data_dir: Path | None = None,
              args: tuple = ()):
        if data_dir is None:
            data_dir = tmp_path / "data"
            if not fresh:
                migrated_copy(data_dir)
        started.append(start_up(data_dir, *args, env=_env(env or {})))
        return started[-1]

    tmp_path = _tempdir("pts-e2e-")
    yield start
    for u in started:
        u.close()
    for u in started:
        stop_postgres(u.data_dir)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_an_ingested_event_reaches_its_handler_and_ctrl_c_stops_cleanly(up, subscriber):
    handler = subscriber()
    u = up({"PTS_BROKER_SUBSCRIBERS": json.dumps({"deployments": handler.url})}, fresh=True)
    start = time.monotonic()
    seq = u.ingest(deployment(1))["events"][0]["seq"]
    handler.wait(1)
    h = handler.headers_of(0)
    assert h["ce-type"] == "dev.pts.deployment.started" and h["ce-id"] == "dep-1"
    assert h["ce-ptsseq"] == str(seq)
    assert len(h["x-pts-broker-token"]) >= 32  # generated at this start
    assert handler.received[0].at - start < 2.0
    # The broker's ingress takes CloudEvents from holders of an ingest token only.
    direct = {"ce-specversion": "1.0", "ce-id": "direct-1", "ce-source": "/t",
              "ce-type": "dev.pts.deployment.failed", "Content-Type": "application/json"}
    req = urllib.request.Request(f"{u.base}/broker", data=b'{"x": 1}', headers=direct)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 401
    req = urllib.request.Request(f"{u.base}/broker", data=b'{"x": 1}', headers={
        **direct, "Authorization": f"Bearer {TEST_TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 202
    handler.wait(2)
    assert handler.headers_of(1)["ce-id"] == "direct-1"
    assert json.loads(handler.received[1].body) == {"x": 1}
    out = u.output()
    assert f"{u.base}/function/ingest" in out and f"{u.base}/broker" in out
    # One line per request (the local broker's per-delivery lines are DEBUG).
    assert "ingest POST / 202 " in out and "events=(/pts/plain, dep-1)" in out
    assert "broker POST / 202 " in out and "events=(/t, direct-1)" in out
    assert u.stop() == 0
    assert "Traceback" not in u.output()


@pytest.mark.slow  # three `pts deadletters` subprocesses besides `pts up`
def test_a_failing_handler_is_retried_then_dead_lettered_and_redriven(up, subscriber):
    handler = subscriber()
    handler.default = (500, {}, b"handler exploded")
    u = up({"PTS_BROKER_SUBSCRIBERS": json.dumps({"deployments": handler.url})})
    u.ingest(deployment(1))
    handler.wait(3)  # the first attempt and 2 retries

    def letters():
        done = pts("deadletters", "list", "--json", "--data-dir", str(u.data_dir))
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    # The dead letter is sent after the last attempt: no attempt can follow it.
    wait_for(lambda: "deadletter POST / 204 " in u.output(), timeout=15)  # its request line
    (letter,) = letters()
    assert letter["error_code"] == 500 and letter["error_dest"] == handler.url
    assert letter["error_trigger"] == "deployments"
    assert letter["event"]["id"] == "dep-1" and "knativeerrordata" not in letter["event"]
    assert len(handler.received) == 3

    handler.default = (200, {}, b"")
    done = pts("deadletters", "redrive", str(letter["id"]), "--data-dir", str(u.data_dir))
    assert done.returncode == 0 and "redriven 1" in done.stdout, done.stdout + done.stderr
    handler.wait(4)
    assert handler.headers_of(3)["ce-id"] == "dep-1"
    assert letters() == []


def test_sigkill_mid_delivery_loses_nothing(up, subscriber):
    handler = subscriber()
    handler.responses = [3.0, 3.0, 3.0]  # slow enough to be cut off
    env = {"PTS_BROKER_SUBSCRIBERS": json.dumps({"deployments": handler.url})}
    u = up(env)
    u.ingest(deployment(1), deployment(2), deployment(3))
    handler.wait(3)
    u.kill()
    again = up(env, data_dir=u.data_dir)
    handler.wait(6, timeout=20)
    first = sorted(handler.headers_of(i)["ce-id"] for i in range(3))
    second = sorted(handler.headers_of(i)["ce-id"] for i in range(3, 6))
    assert first == second == ["dep-1", "dep-2", "dep-3"]
    # At least the three cut off here (other installed handlers may have been mid-way too).
    resumed = re.search(r"Resuming (\d+) deliveries", again.output())
    assert resumed and int(resumed.group(1)) >= 3


def test_sink_unreachable_ingest_still_answers_and_the_relay_delivers_later(up, subscriber):
    port = free_port()
    u = up({"K_SINK": f"http://127.0.0.1:{port}/"})
    answer = u.ingest(deployment(1), deployment(2))
    assert answer["accepted"] == 2
    sink = subscriber(port)  # the sink comes back
    sink.wait(2, timeout=15)
    assert sorted(sink.headers_of(i)["ce-id"] for i in range(2)) == ["dep-1", "dep-2"]


def test_several_workers_deliver_each_event_once(up, subscriber):
    handler = subscriber()
    handler.default = 0.05
    u = up({"PTS_BROKER_SUBSCRIBERS": json.dumps({"deployments": handler.url})},
           args=("--workers", "2"))
    for i in range(0, 20, 4):
        u.ingest(*[deployment(j) for j in range(i, i + 4)])
    handler.wait(20)
    # A second send needs a second claim, which counts an attempt: once every delivery is
    # final, the handler has received exactly as many requests as there were attempts.
    wait_for(lambda: settled(u.data_dir, len(handler.received)), timeout=15)
    ids = sorted(handler.headers_of(i)["ce-id"] for i in range(len(handler.received)))
    assert ids == sorted(f"dep-{j}" for j in range(20))
    assert u.stop() == 0
