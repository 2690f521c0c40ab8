"""Eventing fixtures: a real HTTP subscriber on a free port that records what it receives
and answers what the test scripts."""

from __future__ import annotations

import contextlib
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
            with contextlib.suppress(queue.Empty):
                self.arrivals.get(timeout=left)
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

    def make(port: int = 0) -> Subscriber:
        sub = Subscriber(url="")
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(sub))
        server.daemon_threads = True
        sub.url = f"http://127.0.0.1:{server.server_address[1]}/"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return sub

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def broker(db_url, monkeypatch, subscriber):
    """Configure the local broker by environment, start a dispatcher, and give the test an
    ingress client. `broker.start(**env)` sets PTS_* variables first."""
    import json as _json

    from pts.broker.dispatcher import Dispatcher
    from pts.broker.ingress import create_app
    from pts.config import get_settings
    from tests.support.env import TEST_TOKEN

    class Broker:
        def __init__(self):
            self.dispatchers = []

        def start(self, routes=None, subscribers=None, dead_letter=None, count=1, **env):
            monkeypatch.setenv("PTS_BROKER_ROUTES", _json.dumps(
                routes or {"deployments": ["dev.pts.deployment.started"]}))
            monkeypatch.setenv("PTS_BROKER_SUBSCRIBERS", _json.dumps(subscribers or {}))
            if dead_letter:
                monkeypatch.setenv("PTS_DEAD_LETTER_SINK", dead_letter)
            defaults = {"broker_retry": 2, "broker_backoff_delay": 0.02,
                        "broker_backoff_max": 0.1, "broker_timeout": 2}
            for key, value in {**defaults, **env}.items():
                monkeypatch.setenv(f"PTS_{key.upper()}", str(value))
            self.settings = get_settings()
            for _ in range(count):
                self.dispatchers.append(Dispatcher(self.settings).start())
            self.client = create_app().test_client()
            self.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TEST_TOKEN}"
            return self

        def post(self, headers, body=b"{}"):
            resp = self.client.post("/", headers=headers, data=body)
            assert resp.status_code == 202, resp.get_data(as_text=True)
            return resp.get_json()

    b = Broker()
    yield b
    for d in b.dispatchers:
        d.stop()

