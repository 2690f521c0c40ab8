"""One WSGI application serving every function at /function/<name>, as the OpenFaaS
gateway does, plus /healthz (the process serves), /readyz (its database answers) and
/metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from functions_framework import create_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from pts.db.pool import database_url
from pts.db.urls import to_conninfo
from pts.domain.functions import FUNCTIONS, Function
from pts.http.problem import problem_bytes
from pts.runtime.metrics import metrics_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class RootPath:
    """/function/ingest answers as /function/ingest/ does, without a redirect: pipelines
    post there and curl does not follow a 308."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO"):
            environ["PATH_INFO"] = "/"
        return self.app(environ, start_response)


def _not_found(environ, start_response):
    body = problem_bytes(404, f"no function at {environ.get('PATH_INFO')}")
    start_response("404 Not Found", [("Content-Type", "application/problem+json"),
                                     ("Content-Length", str(len(body)))])
    return _body(environ, body)


def _body(environ, body: bytes) -> list[bytes]:
    """No body bytes for HEAD: gunicorn logs a warning for each one it has to drop."""
    return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _healthz(environ, start_response):
    body = b'{"status": "ok"}'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return _body(environ, body)


def _readyz(environ, start_response):
    """Ready when the database answers: 503 problem+json within about a second otherwise
    (/healthz says only that the process serves)."""
    try:  # a new connection: a pooled one may outlive its server for a moment
        with psycopg.connect(to_conninfo(database_url()), connect_timeout=1) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        body = problem_bytes(503, "the database is unreachable")
        start_response("503 Service Unavailable", [
            ("Content-Type", "application/problem+json"), ("Retry-After", "5"),
            ("Content-Length", str(len(body)))])
        return _body(environ, body)
    body = b'{"status": "ready"}'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return _body(environ, body)


def function_app(fn: Function):
    """The functions-framework app of one function, as its own deployment would serve it."""
    return create_app(fn.target, str(fn.source))


def build_app(functions: list[Function] = FUNCTIONS, extra: dict | None = None):
    """The combined application: each function mounted at /function/<name>."""
    mounts: dict[str, WSGIApplication] = {
        f"/function/{fn.name}": RootPath(function_app(fn)) for fn in functions}
    mounts["/healthz"] = _healthz
    mounts["/readyz"] = _readyz
    mounts["/metrics"] = metrics_app
    mounts.update(extra or {})
    return DispatcherMiddleware(_not_found, mounts)
