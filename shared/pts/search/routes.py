"""The routing table of the search function and `dispatch`, the one place every search
request passes (method, route, path parameters, database errors)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flask

from pts.auth import READ, authorize
from pts.config import Settings, get_settings
from pts.db.secrets import search_cursor_secret
from pts.http.problem import Problem, json_response
from pts.search.params import Param, bad_request


@dataclass
class Context:
    """What a handler gets: the request's query string, its path parameters, the settings."""

    request: flask.Request
    settings: Settings
    path: dict[str, Any] = field(default_factory=dict)

    @property
    def args(self):
        return self.request.args

    @property
    def cursor_secret(self) -> str:
        """The key that seals this installation's cursors."""
        return search_cursor_secret(self.settings)


@dataclass(frozen=True)
class Route:
    """One GET route: its path template (`{name}` segments), handler and documentation."""

    path: str
    handler: Callable[[Context], Any]
    summary: str
    response: str  # the name of the response schema in the OpenAPI document
    params: list[Param] = field(default_factory=list)
    path_params: list[Param] = field(default_factory=list)
    data_filters: bool = False  # accepts data.<path>=<value>
    description: str = ""
    not_found: bool = False  # may answer 404
    public: bool = False  # answers without a token (the OpenAPI document only)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        template = self.path.strip("/").split("/")
        if len(template) != len(segments):
            return None
        found: dict[str, str] = {}
        for want, got in zip(template, segments, strict=True):
            if want.startswith("{"):
                found[want[1:-1]] = got
            elif want != got:
                return None
        return found


def _path_values(route: Route, raw: dict[str, str]) -> dict[str, Any]:
    out, errors = {}, []
    for param in route.path_params:
        try:
            out[param.name] = param.parse(raw[param.name])
        except ValueError as exc:
            errors.append({"parameter": param.name, "message": str(exc)})
    if errors:
        raise bad_request(errors)
    return out


def dispatch(request: flask.Request, routes: list[Route]) -> flask.Response:
    """Answer one search request. Every route but the OpenAPI document needs a token with
    the read scope, checked here before any route runs (unknown paths included)."""
    settings = get_settings()
    path = request.path.strip("/")
    segments = path.split("/") if path else []
    for route in routes:
        raw = route.match(segments)
        if raw is None:
            continue
        if not route.public:
            authorize(request, READ, function="search", settings=settings)
        if request.method not in ("GET", "HEAD"):
            raise Problem(405, "the search API is read-only: use GET", headers={"Allow": "GET"})
        ctx = Context(request, settings, _path_values(route, raw))
        return json_response(route.handler(ctx))
    authorize(request, READ, function="search", settings=settings)
    raise Problem(404, f"no route {request.path!r}; GET /openapi.json lists every route")
