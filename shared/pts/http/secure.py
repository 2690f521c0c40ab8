"""Security headers for what a browser may load: a strict CSP (no inline script or style),
no MIME sniffing, no referrer, no framing."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import flask

from pts.http.entry import Entry


def csp(connect: Sequence[str] = ()) -> str:
    """The Content-Security-Policy: everything from this origin only, plus `connect` origins
    for fetch (the search API when it lives elsewhere)."""
    connect_src = " ".join(["'self'", *connect])
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src {connect_src}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


def add_security_headers(resp: flask.Response, connect: Sequence[str] = ()) -> flask.Response:
    """Set the headers on resp (a CSP already set by the handler is kept)."""
    resp.headers.setdefault("Content-Security-Policy", csp(connect))
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def with_security_headers(func: Entry) -> Callable[[flask.Request], flask.Response]:
    """Decorate an entry point so that every answer carries the security headers."""

    @functools.wraps(func)
    def wrapper(request: flask.Request) -> flask.Response:
        return add_security_headers(flask.make_response(func(request)))

    return wrapper
