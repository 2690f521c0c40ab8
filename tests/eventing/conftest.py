"""Eventing fixtures: a real HTTP subscriber on a free port that records what it receives
and answers what the test scripts."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Subscriber:
    """Scripted answers: `responses` is consumed in order, then `default` repeats.
    An answer is (status, headers, body), or a float: sleep that long, then 200."""

    url: str
    received: list[Received] = field(default_factory=list)
    responses: list = field(default_factory=list)
    default: tuple = (200, {}, b"")
    arrivals: queue.Queue = field(default_factory=queue.Queue)

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests have arrived (or fail)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"{len(self.received)} of {count} requests arrived in {timeout}s"
            try:
                self.arrivals.get(timeout=left)
            except queue.Empty:
                pass
        return self.received[:count]

    def headers_of(self, i: int) -> dict[str, str]:
        return {k.lower(): v for k, v in self.received[i].headers.items()}


def _handler(sub: Subscriber) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                answer = sub.responses.pop(0) if sub.responses else sub.default
                sub.received.append(Received(self.path, dict(self.headers), body,
                                             time.monotonic()))
            sub.arrivals.put(1)
            if isinstance(answer, (int, float)) and not isinstance(answer, bool):
                time.sleep(answer)
                answer = (200, {}, b"")
            if callable(answer):
                answer = answer()
            status, headers, payload = answer
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def subscriber() -> Callable[[], Subscriber]:
    """A factory of recording HTTP servers; all are shut down after the test."""
    servers = []

    def make() -> Subscriber:
        sub = Subscriber(url="")
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(sub))
        server.daemon_threads = True
        sub.url = f"http://127.0.0.1:{server.server_address[1]}/"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return sub

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
