"""The search function's routing: each `Route` (path, handler, parameter and answer models)
becomes a werkzeug rule of one `Map`, built once per process; `dispatch` is the one place
every search request passes (token, method, route, parameters)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import flask
from pydantic import BaseModel
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, MapAdapter, Rule

from pts.auth import READ, authorize
from pts.config import Settings, get_settings
from pts.db.secrets import search_cursor_secret
from pts.http.problem import Problem, json_response
from pts.search.params import Query, parse_query

_SEGMENT = re.compile(r"\{(\w+)\}")


@dataclass
class Context:
    """What a handler gets beside its parameters: the request and the settings."""

    request: flask.Request
    settings: Settings

    @cached_property
    def cursor_secret(self) -> str:
        """The key that seals this installation's cursors."""
        # pts.db.secrets is imported with this module, as the function loads (not in
        # pts.search.db, which the CLI's dead-letter listing loads without SQLModel): else
        # the first request would import SQLModel (seconds on a busy machine).
        return search_cursor_secret(self.settings)


class NoQuery(Query):
    """A route that takes no parameter."""


@dataclass(frozen=True)
class Param:
    """A parameter as documented: its name (the model's field)."""

    name: str


@dataclass(frozen=True)
class Route:
    """One GET route: its OpenAPI path template (`{name}` segments are path parameters,
    fields of `query` listed in its PATH), handler, parameters and answer."""

    path: str
    handler: Callable[[Context, Any], Any]
    summary: str
    response: type[BaseModel]
    query: type[Query] = NoQuery
    description: str = ""
    not_found: bool = False  # may answer 404
    public: bool = False  # answers without a token (the OpenAPI document only)

    @property
    def rule(self) -> str:
        return _SEGMENT.sub(r"<\1>", self.path)

    @property
    def params(self) -> list[Param]:
        return [Param(f.alias or n) for n, f in self.query.model_fields.items()
                if n not in self.query.PATH]

    @property
    def path_params(self) -> list[Param]:
        return [Param(n) for n in self.query.PATH]


@dataclass(eq=False)
class Routes:
    """The routes and their werkzeug Map (built once)."""

    routes: list[Route]
    map: Map = field(init=False)
    adapter: MapAdapter = field(init=False)

    def __post_init__(self) -> None:
        self.map = Map([Rule(r.rule, endpoint=i) for i, r in enumerate(self.routes)],
                       strict_slashes=False, merge_slashes=False)
        self.adapter = self.map.bind("search")  # matching only reads it: shared by threads

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route of a request path and its path values, or None."""
        # werkzeug's matcher costs more than the rest of routing: repeated paths skip it
        # (short ones only, so that the cache stays small whatever clients send).
        found = self._cached(path) if len(path) <= 200 else self._match(path)
        return None if found is None else (found[0], dict(found[1]))

    @lru_cache(maxsize=2048)  # noqa: B019 - one table per process, never freed anyway
    def _cached(self, path: str) -> tuple[Route, tuple[tuple[str, str], ...]] | None:
        return self._match(path)

    def _match(self, path: str) -> tuple[Route, tuple[tuple[str, str], ...]] | None:
        try:
            index, values = self.adapter.match("/" + path.strip("/"), "GET")
        except NotFound:
            return None
        return self.routes[index], tuple((k, str(v)) for k, v in values.items())


def dispatch(request: flask.Request, routes: Routes) -> flask.Response:
    """Answer one search request. Every route but the OpenAPI document needs a token with
    the read scope, checked here before any route runs (unknown paths included)."""
    settings = get_settings()
    found = routes.match(request.path)
    if found is None:
        authorize(request, READ, function="search", settings=settings)
        raise Problem(404, f"no route {request.path!r}; GET /openapi.json lists every route")
    route, path = found
    if not route.public:
        authorize(request, READ, function="search", settings=settings)
    if request.method not in ("GET", "HEAD"):
        raise Problem(405, "the search API is read-only: use GET", headers={"Allow": "GET"})
    query = parse_query(route.query, request.args, path)
    return json_response(route.handler(Context(request, settings), query))
