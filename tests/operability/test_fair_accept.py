"""`pts serve --workers 2`: kept-alive connections opened together are shared between the
workers (pts.runtime.worker: a worker that holds connections lets a less busy one take a
new one first), not all taken by the worker that happened to be awake."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections import Counter
from pathlib import Path

from tests.support.up import Served, environment, free_port

REQUEST = b"GET /_/health HTTP/1.1\r\nHost: pts\r\n\r\n"


def established(port: int) -> set[int]:
    """Socket inodes of the server's side of the connections to `port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "01":
            inodes.add(int(fields[9]))
    return inodes


def holder(pids: list[int], inodes: set[int]) -> Counter:
    """How many of these sockets each process holds."""
    held: Counter = Counter()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                held[pid] += 1
    return held


def test_connections_opened_together_go_to_both_workers(db_url, tmp_path):
    port = free_port()
    env = environment({"FUNCTION_TARGET": "search", "DATABASE_URL": db_url,
                       "FUNCTION_SOURCE": "functions/search/main.py", "PORT": str(port)},
                      clear=())
    server = Served(["serve", "--host", "127.0.0.1", "--workers", "2"], env,
                    tmp_path / "serve.log", port, health="/_/health", token=None)
    try:
        workers = [int(p) for p in subprocess.run(
            ["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout.split()]
        assert len(workers) == 2
        # Both workers up: a worker still importing the function would take nothing.
        for _ in range(100):
            socks = [socket.create_connection(("127.0.0.1", port), timeout=10)
                     for _ in range(4)]
            for s in socks:
                s.sendall(REQUEST)
                s.recv(4096)
            both = len(holder(workers, established(port))) == 2
            for s in socks:
                s.close()
            if both:
                break
        for _ in range(5):
            socks = [socket.create_connection(("127.0.0.1", port), timeout=10)
                     for _ in range(4)]
            try:
                for s in socks:
                    s.sendall(REQUEST)
                for s in socks:  # answered: accepted, and kept alive (HTTP/1.1)
                    assert s.recv(4096).startswith(b"HTTP/1.1 200")
                held = holder(workers, established(port))
                assert sum(held.values()) == 4, held
                assert len(held) == 2, f"one worker took every connection: {held}"
            finally:
                for s in socks:
                    s.close()
    finally:
        server.signal(signal.SIGTERM, timeout=15)
