"""Knowing when a buffered HTTP/1.1 request is whole, without parsing it for real.

The serving worker (pts.runtime.worker) reads a request in its event loop and gives it to a
thread only once it is whole, so a slow client holds a buffer, never a thread. This module
only finds where the request ends: gunicorn's own parser still parses it, and anything this
module finds malformed is handed over as it is, for gunicorn to answer 400.
"""

from __future__ import annotations

MORE, COMPLETE, CONTINUE = "more", "complete", "continue"
HEADERS_TOO_LARGE, BODY_TOO_LARGE = 431, 413


class RequestBuffer:
    """Bytes of one request as they arrive; `feed` says what is known so far."""

    def __init__(self, max_header: int, max_body: int):
        self.data = bytearray()
        self.max_header = max_header
        self.max_body = max_body
        self.body_start: int | None = None  # set once the headers are in
        self.length: int | None = None  # Content-Length; None with chunked
        self.chunked = False
        self.expect_continue = False
        self._chunk_pos = 0  # where the next chunk-size line starts (chunked)
        self._continued = False

    @property
    def in_body(self) -> bool:
        return self.body_start is not None

    def feed(self, chunk: bytes) -> str | int:
        """MORE, COMPLETE, CONTINUE (send 100 Continue, then MORE) or a status to refuse."""
        self.data += chunk
        if self.body_start is None:
            end = self.data.find(b"\r\n\r\n")
            if end < 0:
                return HEADERS_TOO_LARGE if len(self.data) > self.max_header else MORE
            self.body_start = end + 4
            if not self._read_headers(bytes(self.data[:end])):
                return COMPLETE  # malformed framing: gunicorn answers it
            if self.length is not None and self.length > self.max_body:
                return BODY_TOO_LARGE
            self._chunk_pos = self.body_start
        state = self._body_state()
        if state == MORE and self.expect_continue and not self._continued:
            self._continued = True
            return CONTINUE
        return state

    def _read_headers(self, head: bytes) -> bool:
        lengths = set()
        for line in head.split(b"\r\n")[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                lengths.add(value)
            elif name == b"transfer-encoding":
                self.chunked = self.chunked or b"chunked" in value
            elif name == b"expect":
                self.expect_continue = value == b"100-continue"
        if self.chunked:
            return not lengths  # both: a smuggling attempt, gunicorn refuses it
        if len(lengths) > 1 or (lengths and not next(iter(lengths)).isdigit()):
            return False
        self.length = int(next(iter(lengths))) if lengths else 0
        return True

    def _body_state(self) -> str | int:
        got = len(self.data) - (self.body_start or 0)  # called once the headers are in
        if not self.chunked:
            return COMPLETE if got >= (self.length or 0) else MORE
        if got > self.max_body + 64 * 1024:  # framing included
            return BODY_TOO_LARGE
        while True:
            eol = self.data.find(b"\r\n", self._chunk_pos)
            if eol < 0:
                return MORE if len(self.data) - self._chunk_pos < 4096 else COMPLETE
            size_text = bytes(self.data[self._chunk_pos:eol]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                return COMPLETE  # a malformed chunk size: gunicorn answers 400
            if size < 0:
                return COMPLETE
            if size == 0:
                if self.data[eol + 2:eol + 4] == b"\r\n":
                    return COMPLETE
                return COMPLETE if self.data.find(b"\r\n\r\n", eol) >= 0 else MORE
            after = eol + 2 + size + 2
            if len(self.data) < after:
                return MORE
            self._chunk_pos = after
