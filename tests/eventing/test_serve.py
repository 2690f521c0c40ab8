"""`pts serve`: one function as its container runs it (port, health paths, the function)."""

from __future__ import annotations

import signal

from tests.support.env import TEST_BROKER_TOKEN
from tests.support.up import environment, pts, serve


def test_serve_runs_the_function_named_by_function_target(db_url, tmp_path):
    env = environment({"FUNCTION_TARGET": "relay", "FUNCTION_SOURCE": "functions/relay/main.py",
                       "DATABASE_URL": db_url}, clear=())
    server = serve(env, tmp_path, token=None, timeout=30)
    try:
        assert server.request("GET", "/healthz", timeout=5)[0] == 200
        status, _, body = server.request(  # as the timer does; the relay, no sink configured
            "POST", "/", b"", {"X-PTS-Broker-Token": TEST_BROKER_TOKEN}, timeout=10)
        assert status == 200
        assert body == b'{"emitted": 0, "failed": 0, "batches": 0}'
        assert server.request("GET", "/", timeout=5)[0] == 405  # GET must be refused
    finally:
        server.signal(signal.SIGTERM, timeout=15)


def test_serve_without_a_target_is_a_clear_error():
    done = pts("serve", env=environment(clear=("FUNCTION_TARGET",)), timeout=60)
    assert done.returncode == 2 and "FUNCTION_TARGET" in done.stderr
