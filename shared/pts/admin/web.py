"""The admin function's routes: the page, its files, and its API.

- GET /                    the page (public: it holds no data; it asks for a token)
- GET /<file>              its script and style
- GET /api/whoami          the calling token's name and scopes (scope read)
- GET /api/tokens          live tokens (scope admin)
- POST /api/tokens         create one: {"name", "scopes", "source_prefix"} (scope admin)
- DELETE /api/tokens/NAME  revoke one (scope admin)
- GET /api/webhooks        live webhook integrations (scope admin)
- POST /api/webhooks       create one: {"name", "kind", "source_prefix"} -> 201 with its
                           secret, shown once (scope admin)
- DELETE /api/webhooks/NAME  revoke one (scope admin)
- POST /api/deadletters/ID/redrive|discard   dead-letter care (pts.admin.deadletters)
- GET /api/status          what `pts status` prints, as JSON (scope admin; pts.admin.status)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import flask
from pydantic import BaseModel
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from pts.admin import answers, deadletters, static, status
from pts.auth import ADMIN, READ, Principal, authorize, store
from pts.auth.scopes import parse_scopes
from pts.config import Settings, get_settings
from pts.db.pool import get_pool
from pts.http.guard import read_json_object, require_method
from pts.http.problem import Problem, json_response
from pts.http.secure import add_security_headers
from pts.webhooks import admin_api as webhooks_api

FUNCTION = "admin"


def search_url(request: flask.Request, settings: Settings) -> str:
    """Where the page finds the search API: PTS_SEARCH_URL, else beside this function."""
    if settings.search_url:
        return settings.search_url.rstrip("/")
    root = request.script_root
    if root.endswith("/admin"):
        return root[: -len("admin")] + "search"
    return "/function/search"


def handle(request: flask.Request) -> flask.Response:
    """Route one request of the admin function."""
    settings = get_settings()
    path = request.path
    if path.startswith("/api/"):
        return _api(request, path, settings)
    require_method(request, "GET", "HEAD")
    search = search_url(request, settings)
    origin = urlsplit(search)
    connect = [f"{origin.scheme}://{origin.netloc}"] if origin.scheme in ("http", "https") else []
    if path in ("/", "/index.html"):
        resp = static.index(request.script_root, search)
    else:
        served = static.serve(path)
        if served is None:
            raise Problem(404, "no such file")
        resp = served
    return add_security_headers(resp, connect)


@dataclass(frozen=True)
class Api:
    """One API route: its methods (checked first; None: the handler checks them, after the
    scope), the scope it needs, and its answers by status (pts.admin.answers)."""

    handler: Callable[..., flask.Response]
    methods: tuple[str, ...] | None
    scope: str
    answers: dict[str, type[BaseModel]] = field(default_factory=dict)


def _whoami(request: flask.Request, settings: Settings, who: Principal) -> flask.Response:
    return json_response({"name": who.name, "scopes": list(who.scopes),
                          "source_prefix": who.source_prefix})


def _tokens(request: flask.Request, settings: Settings, who: Principal) -> flask.Response:
    pool = get_pool(settings)
    if request.method == "GET":
        return json_response({"tokens": [r.as_json() for r in store.list_tokens(pool)]})
    return _create(request, pool, settings)


def _revoke(request: flask.Request, settings: Settings, who: Principal,
            name: str) -> flask.Response:
    if store.revoke(get_pool(settings), name) is None:
        raise Problem(404, "no live token of that name")
    return flask.Response(status=204)


def _webhooks(request: flask.Request, settings: Settings, who: Principal,
              name: str | None = None) -> flask.Response:
    route = "webhooks" if name is None else f"webhooks/{name}"
    return webhooks_api.handle(request, route, get_pool(settings))


def _deadletter(request: flask.Request, settings: Settings, who: Principal, letter: str,
                action: str) -> flask.Response:
    return deadletters.act(settings, letter, action)


def _status(request: flask.Request, settings: Settings, who: Principal) -> flask.Response:
    return status.answer(settings)


API = {
    "/api/whoami": Api(_whoami, ("GET",), READ, {"GET 200": answers.Whoami}),
    "/api/tokens": Api(_tokens, ("GET", "POST"), ADMIN, {
        "GET 200": answers.TokenList, "POST 201": answers.CreatedToken}),
    "/api/tokens/<path:name>": Api(_revoke, ("DELETE",), ADMIN),
    "/api/webhooks": Api(_webhooks, None, ADMIN, {
        "GET 200": answers.WebhookList, "POST 201": answers.CreatedWebhook}),
    "/api/webhooks/<path:name>": Api(_webhooks, None, ADMIN),
    f"/api/deadletters/<letter>/<any({', '.join(deadletters.ACTIONS)}):action>":
        Api(_deadletter, ("POST",), ADMIN, {"POST 200": answers.DeadLetter}),
    "/api/status": Api(_status, ("GET",), ADMIN, {"GET 200": answers.Status}),
}
URLS = Map([Rule(rule, endpoint=rule) for rule in API], merge_slashes=False).bind("admin")


def _api(request: flask.Request, path: str, settings: Settings) -> flask.Response:
    try:
        rule, values = URLS.match(path, "GET")
    except NotFound:
        raise Problem(404, "no such API route") from None
    api = API[rule]
    if api.methods is not None:
        require_method(request, *api.methods)
    who = authorize(request, api.scope, function=FUNCTION, settings=settings)
    return api.handler(request, settings, who, **values)


def _create(request: flask.Request, pool: Any, settings: Settings) -> flask.Response:
    doc = read_json_object(request)
    name, prefix = doc.get("name"), doc.get("source_prefix")
    errors = []
    scopes: list[str] = []
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors.append({"field": "name", "message": "a non-empty string of at most 200"})
    if prefix is not None and (not isinstance(prefix, str) or len(prefix) > 4096):
        errors.append({"field": "source_prefix", "message": "a string"})
    try:
        scopes = parse_scopes([s for s in doc.get("scopes") or [] if isinstance(s, str)])
    except (ValueError, TypeError) as exc:
        errors.append({"field": "scopes", "message": str(exc)})
    if errors or not isinstance(name, str):  # a name that is no string is one of errors
        raise Problem(422, "the token cannot be created", errors=errors)
    try:
        token, record = store.create(pool, name, scopes, prefix or None)
    except store.NameTaken as exc:
        raise Problem(409, str(exc)) from None
    return json_response({"token": token, **record.as_json()}, status=201)
