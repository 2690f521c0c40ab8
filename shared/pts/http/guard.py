"""The wrapper every function's entry point runs under: errors become problem+json."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import flask
import psycopg
from psycopg_pool import PoolTimeout

from pts.config import get_settings
from pts.http.limits import check_headers
from pts.http.problem import Problem, problem_response

log = logging.getLogger("pts")

RETRY_AFTER_SECONDS = "5"


def guarded(func: Callable[[flask.Request], flask.Response]) -> Callable:
    """Map Problem to its answer, an unreachable database to 503 with Retry-After, and
    anything unexpected to a logged 500 (a bug, never an answer to bad input). Refuses
    oversized headers first (431), wherever the function is served."""

    @functools.wraps(func)
    def wrapper(request: flask.Request) -> flask.Response:
        try:
            check_headers(request, get_settings())
            return func(request)
        except Problem as problem:
            return problem_response(problem)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            from pts.db.health import any_down

            if not any_down():  # once down, pts.db.health has said so once for all requests
                log.warning("database unavailable: %s", exc)
            return problem_response(Problem(
                503, "the database is unavailable; retry later",
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            ))

    return wrapper


def require_method(request: flask.Request, *methods: str) -> None:
    """Problem 405 unless the request uses one of methods."""
    if request.method not in methods:
        raise Problem(405, f"use {' or '.join(methods)}", headers={"Allow": ", ".join(methods)})


def read_body(request: flask.Request, limit: int) -> bytes:
    """The body, refused with 413 before reading when it announces more than limit bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise Problem(413, f"the body is over {limit} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise Problem(413, f"the body is over {limit} bytes")
    return body
