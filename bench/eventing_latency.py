"""Latency from ingest to handler through `pts up` (embedded PostgreSQL, local broker).

Run: uv run python bench/eventing_latency.py [--events 100]

A handler (a tiny HTTP server) records when each event arrives. Events are posted one at a
time, each after the previous one arrived, so every measurement starts from an idle system.
Baseline, measured in the same run: one plain HTTP POST to that same handler. The ratio says
how many such round trips the whole path (ingest, commit, emission, queue, NOTIFY, dispatch,
delivery) costs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
arrived: dict[str, float] = {}
event = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrived[self.headers.get("ce-id", "")] = time.perf_counter()
        event.set()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(xs: list[float]) -> str:
    xs = sorted(xs)
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000  # noqa: E731
    return f"p50 {p(0.5):7.2f} ms  p95 {p(0.95):7.2f} ms  max {xs[-1] * 1000:7.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler_url = f"http://127.0.0.1:{server.server_address[1]}/"

    # Baseline: a plain POST to the handler, new connection each time (as a delivery may).
    base = []
    for i in range(args.events):
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
        conn.request("POST", "/", body=b"{}", headers={"ce-id": f"b-{i}"})
        conn.getresponse().read()
        conn.close()
        base.append(time.perf_counter() - start)

    data = Path(tempfile.mkdtemp(prefix="pts-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "K_SINK") and not k.startswith("PTS_")}
    env["PTS_BROKER_SUBSCRIBERS"] = json.dumps({"deployments": handler_url})
    token = "pts_bench-" + os.urandom(16).hex()
    env["PTS_ADMIN_TOKEN"] = token
    proc = subprocess.Popen([sys.executable, "-m", "pts.cli", "--log-level", "WARNING", "up",
                             "--port", str(port), "--data-dir", str(data)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        path = []
        for i in range(args.events + 5):
            body = json.dumps({"type": "deployment.started", "id": f"e-{i}",
                               "deployment_id": f"d-{i}", "service": "api",
                               "environment": "prod", "version": "1"}).encode()
            event.clear()
            start = time.perf_counter()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/function/ingest", data=body,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
            urllib.request.urlopen(req, timeout=10).read()
            while f"e-{i}" not in arrived:
                if not event.wait(10):
                    raise SystemExit(f"event e-{i} never arrived")
                event.clear()
            if i >= 5:  # warm-up
                path.append(arrived[f"e-{i}"] - start)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        for _ in range(200):  # the embedded server stops after pts up has exited
            if not (data / "pgdata" / "postmaster.pid").exists():
                break
            time.sleep(0.05)
        shutil.rmtree(data, ignore_errors=True)
    print(f"baseline POST to handler : {percentiles(base)}")
    print(f"ingest -> handler        : {percentiles(path)}")
    print(f"ratio (p50)              : {statistics.median(path) / statistics.median(base):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
