"""Every error a function answers is application/problem+json: a Problem, a refusal by PTS's
rules (pts.domain.errors, each kind with its status below), an HTTP error that Flask or
werkzeug raises (unknown path, method, disconnect), an unreachable database, and any
unexpected exception (logged with its traceback under an error id that the answer carries).

`error_response` is the one mapping; `@guarded` applies it around each entry point, and
`install` registers it on the Flask app that loads the function, for what happens outside
the entry point (routing, the framework's own hooks).
"""

from __future__ import annotations

import logging
import uuid

import flask
import psycopg
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from pts.db.health import any_down
from pts.domain.errors import Conflict, Invalid, Malformed, NotFound, Refused
from pts.http.problem import Problem, problem_response
from pts.logs import escape

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"

# The status of each kind of refusal by PTS's rules.
STATUS: dict[type[Refused], int] = {Malformed: 400, NotFound: 404, Conflict: 409, Invalid: 422}


class BodyError(Exception):
    """The request's body could not be read (malformed or truncated chunked encoding, a
    client that went away): the client's fault, answered 400."""


def as_problem(refused: Refused) -> Problem:
    """The Problem that answers a refusal by PTS's rules."""
    status = next((s for kind, s in STATUS.items() if isinstance(refused, kind)), 422)
    return Problem(status, refused.detail, errors=refused.errors)


def error_response(exc: BaseException) -> flask.Response:
    """The problem+json answer for an exception raised while serving a request."""
    if isinstance(exc, Problem):
        return problem_response(exc)
    if isinstance(exc, Refused):
        return problem_response(as_problem(exc))
    if isinstance(exc, BodyError):
        return problem_response(Problem(400, str(exc)))
    if isinstance(exc, HTTPException) and exc.code is not None and exc.code < 500:
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        detail = "no such path under this function" if exc.code == 404 else exc.description
        return problem_response(Problem(exc.code, detail or exc.name, headers=headers))
    if isinstance(exc, psycopg.OperationalError | PoolTimeout):
        if not any_down():  # once down, pts.db.health has said so once for all requests
            log.warning("database unavailable: %s", escape(str(exc)))
        return problem_response(Problem(
            503, "the database is unavailable; retry later",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        ))
    return unexpected(exc)


def unexpected(exc: BaseException) -> flask.Response:
    """Log exc with its traceback under a new error id; answer 500 with that id."""
    error_id = uuid.uuid4().hex[:16]
    path = flask.request.path if flask.has_request_context() else "-"
    log.error("unexpected error %s while serving %s: %s", error_id, escape(path),
              escape(repr(exc)), exc_info=exc)
    return problem_response(Problem(
        500, f"an unexpected error; it was logged with error id {error_id}",
        error_id=error_id,
    ))


def install(app: flask.Flask) -> None:
    """Answer every error of app with problem+json (idempotent)."""
    if app.extensions.get("pts.errors"):
        return
    app.extensions["pts.errors"] = True
    app.register_error_handler(Exception, error_response)
