"""The admin function's routes: the page, its files, and its API.

- GET /                    the page (public: it holds no data; it asks for a token)
- GET /<file>              its script and style
- GET /api/whoami          the calling token's name and scopes (scope read)
- GET|POST /api/tokens, DELETE /api/tokens/NAME       tokens (scope admin;
                                                       pts.admin.credentials)
- GET|POST /api/webhooks, DELETE /api/webhooks/NAME   webhook integrations (the same)
- POST /api/deadletters/ID/redrive|discard   dead-letter care (pts.admin.deadletters)
- GET /api/status          what `pts status` prints, as JSON (scope admin; pts.admin.status)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

import flask
from pydantic import BaseModel
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from pts.admin import answers, credentials, deadletters, static, status
from pts.auth import ADMIN, READ, Principal, authorize
from pts.config import Settings, get_settings
from pts.db.pool import get_pool
from pts.http.guard import require_method
from pts.http.problem import Problem, json_response
from pts.http.secure import add_security_headers

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


def _credentials(request: flask.Request, settings: Settings, who: Principal,
                 collection: str, name: str | None = None) -> flask.Response:
    route = collection if name is None else f"{collection}/{name}"
    return credentials.handle(request, route, get_pool(settings))


def _deadletter(request: flask.Request, settings: Settings, who: Principal, letter: str,
                action: str) -> flask.Response:
    return deadletters.act(settings, letter, action)


def _status(request: flask.Request, settings: Settings, who: Principal) -> flask.Response:
    return status.answer(settings)


API = {
    "/api/whoami": Api(_whoami, ("GET",), READ, {"GET 200": answers.Whoami}),
    # Tokens and webhooks: pts.admin.credentials checks the method, after the scope.
    "/api/tokens": Api(partial(_credentials, collection="tokens"), None, ADMIN, {
        "GET 200": answers.TokenList, "POST 201": answers.CreatedToken}),
    "/api/webhooks": Api(partial(_credentials, collection="webhooks"), None, ADMIN, {
        "GET 200": answers.WebhookList, "POST 201": answers.CreatedWebhook}),
    f"/api/<any({', '.join(credentials.KINDS)}):collection>/<path:name>":
        Api(_credentials, None, ADMIN),
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
