"""/healthz latency with slow clients connected, gunicorn's gthread worker against PTS's
buffering worker (pts.runtime.worker), both serving the same tiny WSGI app.

Run: uv run python bench/slow_clients.py [--slow 200] [--requests 200]

For each worker class: p50 and p99 of sequential GET /healthz on new connections, first with
no other client (the baseline, measured in the same run), then with --slow connections that
send headers or a body one byte every 0.2 s. The ratio says what the slow clients cost the
others; "none" means no answer within 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE = """
import sys
from pts.runtime.server import Server
def app(environ, start_response):
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]
Server(lambda: app, {"bind": "127.0.0.1:" + sys.argv[1], "workers": 1, "threads": 8,
                     "worker_class": sys.argv[2], "accesslog": None,
                     "control_socket_disable": True}).run()
"""
SLOW = [b"POST / HTTP/1.1\r\nHost: b\r\nX-Slow: ",
        b"POST / HTTP/1.1\r\nHost: b\r\nContent-Length: 100000\r\n\r\n"]


def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latencies(p: int, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", p, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            out.append(time.monotonic() - start)
        except OSError:
            out.append(float("inf"))
            if out[-3:] == [float("inf")] * 3:
                break  # the server does not answer: no point waiting n times 2 s
    return out


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(0.99 * len(ordered)) - 1)]


def run(worker: str, slow: int, n: int) -> tuple[tuple, tuple]:
    p = port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "shared"), "PTS_HEADER_TIMEOUT": "120",
           "PTS_BODY_TIMEOUT": "120"}
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(p), worker], env=env,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while latencies(p, 1)[0] == float("inf"):
            time.sleep(0.1)
        base = summary(latencies(p, n))
        socks = [socket.create_connection(("127.0.0.1", p)) for _ in range(slow)]
        for i, s in enumerate(socks):
            s.sendall(SLOW[i % 2])
        done = threading.Event()

        def trickle():
            while not done.wait(0.2):
                for s in socks:
                    with contextlib.suppress(OSError):
                        s.send(b"a")

        threading.Thread(target=trickle, daemon=True).start()
        loaded = summary(latencies(p, n))
        done.set()
        for s in socks:
            s.close()
        return base, loaded
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def show(value: float) -> str:
    return "none" if value == float("inf") else f"{value * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print("| worker | p50 alone | p99 alone | p50 with slow | p99 with slow | p99 ratio |")
    print("|---|---|---|---|---|---|")
    for worker in ("gthread", "pts.runtime.worker.BufferingWorker"):
        (b50, b99), (l50, l99) = run(worker, args.slow, args.requests)
        ratio = "-" if l99 == float("inf") else f"x{l99 / b99:.1f}"
        print(f"| {worker} | {show(b50)} | {show(b99)} | {show(l50)} | {show(l99)} | {ratio} |")


if __name__ == "__main__":
    main()
