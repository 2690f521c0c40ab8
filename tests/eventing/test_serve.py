"""`pts serve`: one function as its container runs it (port, health paths, the function)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from eventing_helpers import free_port, wait_for

from tests.conftest import TEST_BROKER_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def test_serve_runs_the_function_named_by_function_target(db_url):
    port = free_port()
    env = {**os.environ, "FUNCTION_TARGET": "relay", "PORT": str(port),
           "FUNCTION_SOURCE": "functions/relay/main.py", "DATABASE_URL": db_url}
    proc = subprocess.Popen([sys.executable, "-m", "pts.cli", "serve", "--host", "127.0.0.1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def health():
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            with urllib.request.urlopen(f"{base}/_/health", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait_for(health, timeout=30, interval=0.1)
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
            assert r.status == 200
        req = urllib.request.Request(f"{base}/", data=b"", method="POST",  # as the timer does
                                     headers={"X-PTS-Broker-Token": TEST_BROKER_TOKEN})
        with urllib.request.urlopen(req, timeout=10) as r:  # the relay, no sink configured
            assert r.status == 200
            assert r.read() == b'{"emitted": 0, "failed": 0, "batches": 0}'
        try:
            urllib.request.urlopen(f"{base}/", timeout=5)
            raise AssertionError("GET must be refused")
        except urllib.error.HTTPError as exc:
            assert exc.code == 405
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def test_serve_without_a_target_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k not in ("FUNCTION_TARGET",)}
    done = subprocess.run([sys.executable, "-m", "pts.cli", "serve"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "FUNCTION_TARGET" in done.stderr
