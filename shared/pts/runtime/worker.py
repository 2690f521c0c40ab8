"""gunicorn's threaded worker, made to read whole requests before a thread takes them.

gunicorn's gthread worker hands a connection to a thread as soon as its first bytes arrive;
the thread then reads the rest, blocking. Twenty clients sending their headers or bodies a
byte at a time held every thread, and `pts up` answered nothing, /healthz included. Here the
worker's event loop (the same selector gthread uses for kept-alive connections) reads each
request into a buffer; a thread gets it only once it is whole, from the buffer, and never
waits on the client. A request must arrive within PTS_HEADER_TIMEOUT (headers) and then
PTS_BODY_TIMEOUT (body), or it is answered 408 and closed. Plain HTTP only: PTS terminates
TLS in front (ingress, queue-proxy, gateway).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import selectors
import time
from functools import partial
from http import HTTPStatus

from gunicorn import util as gunicorn_util
from gunicorn.workers.gthread import TConn, ThreadWorker

from pts.config import get_settings
from pts.http.problem import problem_bytes
from pts.runtime.reqbuf import COMPLETE, CONTINUE, MORE, RequestBuffer

_READ = 64 * 1024
# A worker that already holds a few connections (fewer than _YIELD_BELOW) lets a new one wait
# this long per connection held before taking it, so that a less busy worker takes it first.
_YIELD_PER_CONN = 0.005
_YIELD_BELOW = 8


def _answer(status: int, detail: str) -> bytes:
    body = problem_bytes(status, detail)
    return (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "Content-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def _write_problem(sock, status: int, reason: str, message: str) -> None:
    """gunicorn.util.write_error's stand-in: what gunicorn answers itself (a request it cannot
    parse as HTTP: a bad request line, header or chunk) is problem+json, not its HTML page."""
    gunicorn_util.write_nonblock(sock, _answer(status, message))


_DETAILS = {408: "the request did not arrive in time", 413: "the body is too large",
            431: "the request headers are too large"}


class BufferingWorker(ThreadWorker):
    """gthread, with each request read whole in the event loop first."""

    def init_process(self):
        if self.cfg.is_ssl:
            raise RuntimeError("BufferingWorker serves plain HTTP only")
        settings = get_settings()
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self.max_header = settings.max_headers * (settings.max_header_bytes + 2) + 8192
        self.max_body = settings.max_body_bytes
        self.reading: dict[TConn, float] = {}  # connection -> deadline
        self.yielding = self.cfg.workers > 1
        self.accept_paused_until, self.accept_one = 0.0, False
        # Process-wide, and this process serves PTS only: gunicorn's handle_error writes
        # through util.write_error whatever the error it classified.
        gunicorn_util.write_error = _write_problem
        super().init_process()

    def load_wsgi(self):
        """The app, then what it loaded moved out of the collector's reach (gc.freeze): the
        modules, routes, models and pools live as long as the process, and each full
        collection walked all of them (about 116,000 objects in a search worker: 83 to 109 ms of
        CPU on the shared bench machine, with the GIL held, stalling every request of the
        worker; docs/benchmarks.md, Search's p99)."""
        super().load_wsgi()
        gc.collect()
        gc.freeze()
        # Fewer young passes: a handler batch's facts and rows live until it ends, and at
        # Python's 700 each pass walked them again (docs/benchmarks.md, session 7).
        gc.set_threshold(get_settings().gc_threshold, *gc.get_threshold()[1:])

    # --- connections reading a request (event loop) ---

    # --- accepting: new connections go to the least busy worker ---
    #
    # Every worker polls the shared listening socket, and the one whose loop is awake takes
    # the connection: four kept-alive clients often all landed on one worker while the other
    # idled (the search benchmark saw 4-0 in two runs of five), and each request then queued
    # behind the others on one GIL. A worker holding n connections (0 < n < 8) waits n x 5 ms
    # before it accepts one more; an idle worker takes the connection at once, a busy one
    # still does after its wait if no other worker came for it. From 8 connections on, a
    # worker accepts at once as gthread does: a burst of hundreds (slow clients) is not
    # accepted one wait at a time while the clients behind it sit in the listen backlog.

    def set_accept_enabled(self, enabled):
        if enabled and time.monotonic() < self.accept_paused_until:
            return  # still yielding; gthread's loop asks again each turn
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        pause = self.accept_paused_until - time.monotonic()
        super().wait_for_and_dispatch_events(min(timeout, pause) if pause > 0 else timeout)

    def accept(self, listener):
        now = time.monotonic()
        if self.yielding and 0 < self.nr_conns < _YIELD_BELOW:
            if self.accept_one and now < self.accept_paused_until + 0.05:
                self.accept_one = False  # waited for this one: take it (if still there)
            else:
                self.accept_paused_until = now + self.nr_conns * _YIELD_PER_CONN
                self.accept_one = True
                super().set_accept_enabled(False)
                return
        try:
            sock, addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, sock, addr, listener.getsockname())
        self._read_request(conn, b"")
        self._on_readable(conn, sock)  # the request often came with the connection

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection has data: read its next request the same way."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_request(conn, b"")
        self._on_readable(conn, client)

    def _read_request(self, conn: TConn, data: bytes) -> None:
        conn.sock.setblocking(False)
        conn.pts_buffer = RequestBuffer(self.max_header, self.max_body)
        conn.pts_data = b""
        self.reading[conn] = time.monotonic() + self.header_timeout
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        if data:
            self._feed(conn, data)

    def _on_readable(self, conn: TConn, _sock) -> None:
        if conn not in self.reading:
            return
        try:
            chunk = conn.sock.recv(_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close(conn)
        else:
            self._feed(conn, chunk)

    def _feed(self, conn: TConn, chunk: bytes) -> None:
        buf = conn.pts_buffer
        was_in_body = buf.in_body
        state = buf.feed(chunk)
        if buf.in_body and not was_in_body:
            self.reading[conn] = time.monotonic() + self.body_timeout
        if state == MORE:
            return
        if state == CONTINUE:
            try:
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except OSError:
                self._close(conn)
            return
        if state != COMPLETE:
            self._close(conn, state)
            return
        self.poller.unregister(conn.sock)
        del self.reading[conn]
        conn.pts_data, conn.pts_buffer = bytes(buf.data), None
        conn.data_ready = True  # gthread's own wait for a first byte is not needed
        self.enqueue_req(conn)

    def _close(self, conn: TConn, status: int | None = None) -> None:
        self.reading.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        if status is not None:
            with contextlib.suppress(OSError):
                conn.sock.send(_answer(status, _DETAILS[status]))
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        """Called by gthread's loop about once a second: requests that ran out of time get 408;
        a stopping worker closes the connections whose request is not in yet."""
        super().murder_pending()
        now = time.monotonic()
        for conn, deadline in list(self.reading.items()):
            if not self.alive:
                self._close(conn)
            elif deadline <= now:
                self._close(conn, 408)

    # --- in a thread: the whole request is in memory ---

    def handle(self, conn):
        data, conn.pts_data = getattr(conn, "pts_data", b""), b""
        if data:
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(data)
        return super().handle(conn)

    def finish_request(self, conn, fs):
        """gthread's, except that bytes read ahead (a pipelined next request) are read
        whole in the event loop like any other request, not by the thread."""
        try:
            keep = (not fs.cancelled()) and fs.result() is True and self.alive
        except Exception:  # noqa: BLE001 - gthread closes on any error too
            keep = False
        if keep and conn.parser is not None:
            leftover = conn.parser.unreader.take_buffered()
            if leftover:
                self._read_request(conn, leftover)
                return
        super().finish_request(conn, fs)
