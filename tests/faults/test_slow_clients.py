"""Slow clients cannot stop `pts up`: with 200 connections sending their headers or bodies a
byte at a time, /healthz and ingest still answer (p99 under 1 s); a request that does not
arrive in time is answered 408 and closed (docs/reliability.md, Serving)."""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time

import pytest

from tests.faults.helpers import deployment, get, post, start

pytestmark = pytest.mark.faults

SLOW = 200
HEAD = b"POST /function/ingest HTTP/1.1\r\nHost: pts\r\n"
SLOW_HEADERS = HEAD + b"X-Slow: "  # the headers never end
SLOW_BODY = HEAD + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"


def open_slow(port: int, n: int) -> list[socket.socket]:
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(SLOW_HEADERS if i % 2 else SLOW_BODY)
        socks.append(s)
    return socks


class Trickle(threading.Thread):
    """One byte to every slow connection every 0.2 s, so that none is idle; bounded."""

    def __init__(self, socks: list[socket.socket]):
        super().__init__(daemon=True)
        self.socks, self.done = socks, threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while not self.done.wait(0.2) and time.monotonic() < deadline:
            for s in self.socks:
                with contextlib.suppress(OSError):
                    s.send(b"a")


def waiting(s: socket.socket) -> bool:
    """The server has neither answered nor closed this connection."""
    s.setblocking(False)
    try:
        s.recv(1, socket.MSG_PEEK)
        return False
    except BlockingIOError:
        return True
    finally:
        s.setblocking(True)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def test_200_slow_connections_leave_health_and_ingest_answering(data):
    up = start(data, PTS_HEADER_TIMEOUT="60", PTS_BODY_TIMEOUT="60")
    socks: list[socket.socket] = []
    trickle = None
    try:
        socks = open_slow(up.port, SLOW)
        trickle = Trickle(socks)
        trickle.start()
        health, ingest = [], []
        for i in range(60):
            status, took = get(up.port, "/healthz", timeout=5)
            assert status == 200
            health.append(took)
            if i % 2 == 0:
                status, _, body, took = post(up.port, deployment(i, "slow"), timeout=5)
                assert status == 202, body
                ingest.append(took)
        # They were all still held open (not answered, not closed) while we measured.
        assert sum(waiting(s) for s in socks) == SLOW
        assert p99(health) < 1.0, sorted(health)[-5:]
        assert p99(ingest) < 1.0, sorted(ingest)[-5:]
    finally:
        if trickle:
            trickle.done.set()
            trickle.join(5)
        for s in socks:
            s.close()
        up.stop()


def read_all(s: socket.socket, timeout: float) -> bytes:
    s.settimeout(timeout)
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    return data


def test_a_request_that_does_not_arrive_in_time_gets_408(data):
    up = start(data, PTS_HEADER_TIMEOUT="1", PTS_BODY_TIMEOUT="2")
    try:
        for first in (SLOW_HEADERS, SLOW_BODY, b""):
            s = socket.create_connection(("127.0.0.1", up.port), timeout=5)
            s.sendall(first)
            began = time.monotonic()
            answer = read_all(s, timeout=10)  # the server closes: recv returns b""
            s.close()
            assert answer.startswith(b"HTTP/1.1 408 "), answer
            assert b"application/problem+json" in answer
            assert time.monotonic() - began < 5
        # A whole request sent in pieces, each within time, is served as usual.
        s = socket.create_connection(("127.0.0.1", up.port), timeout=5)
        body = b'{"type": "platform.note", "id": "n-1", "text": "hello"}'
        s.sendall(HEAD + b"Authorization: Bearer " + up_token() + b"\r\n")
        s.sendall(b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n" % len(body))
        for i in range(0, len(body), 10):
            s.sendall(body[i:i + 10])
        assert read_all(s, timeout=10).startswith(b"HTTP/1.1 202 ")
        s.close()
        # What gunicorn cannot parse as HTTP it answers itself: problem+json too, no HTML.
        s = socket.create_connection(("127.0.0.1", up.port), timeout=5)
        s.sendall(b"NOT HTTP\r\n\r\n")
        answer = read_all(s, timeout=10)
        s.close()
        assert answer.startswith(b"HTTP/1.1 400 ") and b"application/problem+json" in answer
        assert answer.split(b"\r\n\r\n", 1)[1].startswith(b'{"type": "about:blank"'), answer
    finally:
        up.stop()


def up_token() -> bytes:
    from tests.support.env import TEST_TOKEN

    return TEST_TOKEN.encode()
