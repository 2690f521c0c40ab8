"""RFC 9457 problem details: every error PTS answers is application/problem+json."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from pts.domain.jsonnum import dumps
from pts.domain.timefmt import json_default
from pts.http import rawjson

if TYPE_CHECKING:
    import flask

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error answer. Raise it anywhere under a function; `problem_response` renders it."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            out["errors"] = self.errors
        out.update(self.extra)
        return out


def problem_bytes(status: int, detail: str) -> bytes:
    """The body of a plain problem, for answers written below Flask (WSGI, a raw socket)."""
    return dumps(Problem(status, detail).body()).encode()


def problem_response(problem: Problem) -> flask.Response:
    """A Flask response for a Problem."""
    import flask  # on use: the CLI loads this module (through pts.auth, the codec) without Flask

    resp = flask.Response(
        dumps(problem.body(), default=json_default), status=problem.status, mimetype=PROBLEM_JSON
    )
    for name, value in problem.headers.items():
        resp.headers[name] = value
    return resp


def json_response(body: Any, status: int = 200) -> flask.Response:
    """A JSON answer (Decimals exactly, datetimes in RFC 3339, RawJSON texts as they are)."""
    import flask

    return flask.Response(rawjson.dumps(body), status=status, mimetype="application/json")
