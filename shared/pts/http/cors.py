"""CORS: off unless `PTS_CORS_ORIGINS` lists origins; then only those origins get the headers.

Wrap a browser-facing entry point (search, admin) outside @guarded:

    @functions_framework.http
    @with_cors
    @guarded
    def search(request): ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import flask

from pts.config import get_settings
from pts.http.entry import Entry

ALLOW_HEADERS = "Authorization, Content-Type"
ALLOW_METHODS = "GET, POST, DELETE"
MAX_AGE = "600"


def allowed_origin(request: flask.Request, origins: list[str]) -> str | None:
    """The request's Origin when it is one of origins (exact match; `*` is never implied)."""
    origin = request.headers.get("Origin")
    return origin if origin and origin in origins else None


def with_cors(func: Entry) -> Callable[[flask.Request], flask.Response]:
    """Answer preflights and add Access-Control-* headers for configured origins only."""

    @functools.wraps(func)
    def wrapper(request: flask.Request) -> flask.Response:
        origin = allowed_origin(request, get_settings().cors_origins)
        if (origin and request.method == "OPTIONS"
                and request.headers.get("Access-Control-Request-Method")):
            resp = flask.Response(status=204)
            resp.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            resp.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            resp.headers["Access-Control-Max-Age"] = MAX_AGE
        else:
            resp = flask.make_response(func(request))
        if origin:
            # Bearer tokens, not cookies: credentials are never allowed.
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Expose-Headers"] = "Retry-After, Link"
        resp.headers.add("Vary", "Origin")
        return resp

    return wrapper
