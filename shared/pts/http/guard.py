"""The wrapper every function's entry point runs under: errors become problem+json."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import flask

from pts.config import get_settings
from pts.http.errors import BodyError, error_response, install
from pts.http.limits import check_headers
from pts.http.observe import observed
from pts.http.problem import Problem


def guarded(func: Callable[[flask.Request], flask.Response] | None = None, *,
            paths: tuple[str, ...] | None = None) -> Callable[..., Any]:
    """Answer every error of an entry point with problem+json (pts.http.errors): Problem as
    it says, an unreachable database 503 with Retry-After, anything unexpected a logged 500
    with an error id. Refuses oversized headers first (431), wherever the function is
    served; with `paths`, any other path answers 404.

    Applied while functions-framework loads the function (inside its app context), it also
    installs the same mapping on that Flask app, for errors outside the entry point."""
    if func is None:
        return functools.partial(guarded, paths=paths)
    if flask.has_app_context():
        install(flask.current_app)

    @functools.wraps(func)
    def wrapper(request: flask.Request) -> flask.Response:
        # Counted, timed and logged once per request (pts.http.observe).
        return observed(func.__name__, answer, request)

    def answer(request: flask.Request) -> flask.Response:
        try:
            check_headers(request, get_settings())
            if paths is not None and request.path not in paths:
                raise Problem(404, "no such path under this function")
            return func(request)
        except Exception as exc:  # noqa: BLE001 - the one place errors become answers
            return error_response(exc)

    return wrapper


def require_method(request: flask.Request, *methods: str) -> None:
    """Problem 405 unless the request uses one of methods."""
    if request.method not in methods:
        raise Problem(405, f"use {' or '.join(methods)}", headers={"Allow": ", ".join(methods)})


def read_body(request: flask.Request, limit: int) -> bytes:
    """The body, refused with 413 before reading when it announces more than limit bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise Problem(413, f"the body is over {limit} bytes")
    try:
        body = request.stream.read(limit + 1)
    except Exception as exc:  # noqa: BLE001 - whatever the server raises on a broken body
        # functions-framework reads the rest of the body after the answer (get_data); it
        # would fail again, outside the entry point. What get_data caches, it does not read.
        request._cached_data = b""
        raise BodyError(f"the body could not be read ({type(exc).__name__}): malformed or "
                        "truncated chunked encoding, or the client went away") from None
    if len(body) > limit:
        raise Problem(413, f"the body is over {limit} bytes")
    request._cached_data = body  # what get_data answers after this (functions-framework asks)
    return body


def read_json_object(request: flask.Request, limit: int = 16 * 1024) -> dict[str, Any]:
    """A small JSON object body (the admin API's), or Problem 400."""
    try:
        doc = json.loads(read_body(request, limit) or b"null")
    except ValueError:
        raise Problem(400, "send a JSON object") from None
    if not isinstance(doc, dict):
        raise Problem(400, "send a JSON object")
    return doc
