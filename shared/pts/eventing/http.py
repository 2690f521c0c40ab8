"""A small HTTP client for posting events: stdlib only, keep-alive per host, hard timeouts."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class TransportError(Exception):
    """No HTTP answer: refused, reset, timed out, bad URL."""


class Sender:
    """Posts to URLs, reusing one connection per host. One Sender per thread."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._conns: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def post(self, url: str, headers: dict[str, str], body: bytes,
             limit: int = 64 * 1024) -> Response:
        """POST and read at most limit bytes of the answer; TransportError when none came."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TransportError(f"not an http(s) URL: {url!r}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            conn = self._conn(parts.scheme, parts.netloc)
            try:
                conn.request("POST", path, body=body,
                             headers={**headers, "Content-Length": str(len(body))})
                resp = conn.getresponse()
                data = resp.read(limit)
                if resp.will_close or not resp.isclosed():
                    self._drop(parts.scheme, parts.netloc)
                return Response(resp.status, {k: v for k, v in resp.getheaders()}, data)
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts.scheme, parts.netloc)
                # A kept-alive connection the server closed meanwhile: try once on a new one.
                stale = isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError,
                                         ConnectionResetError)) and attempt == 1
                if not stale:
                    raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    def _conn(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        if key not in self._conns:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            self._conns[key] = cls(netloc, timeout=self.timeout)
        return self._conns[key]

    def _drop(self, scheme: str, netloc: str) -> None:
        conn = self._conns.pop((scheme, netloc), None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
