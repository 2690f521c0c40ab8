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

from urllib.parse import urlsplit

import flask

from pts.admin import deadletters, static, status
from pts.auth import ADMIN, READ, authorize, store
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
        return _api(request, path[len("/api/"):], settings)
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


def _api(request: flask.Request, route: str, settings: Settings) -> flask.Response:
    if route == "whoami":
        require_method(request, "GET")
        who = authorize(request, READ, function=FUNCTION, settings=settings)
        return json_response({"name": who.name, "scopes": list(who.scopes),
                              "source_prefix": who.source_prefix})
    if route == "tokens":
        require_method(request, "GET", "POST")
        authorize(request, ADMIN, function=FUNCTION, settings=settings)
        pool = get_pool(settings)
        if request.method == "GET":
            return json_response({"tokens": [r.as_json() for r in store.list_tokens(pool)]})
        return _create(request, pool, settings)
    if route == "webhooks" or route.startswith("webhooks/"):
        authorize(request, ADMIN, function=FUNCTION, settings=settings)
        return webhooks_api.handle(request, route, get_pool(settings))
    if route.startswith("tokens/"):
        require_method(request, "DELETE")
        authorize(request, ADMIN, function=FUNCTION, settings=settings)
        record = store.revoke(get_pool(settings), route[len("tokens/"):])
        if record is None:
            raise Problem(404, "no live token of that name")
        return flask.Response(status=204)
    if route.startswith("deadletters/"):
        return deadletters.handle(request, route, settings)
    if route == "status":
        return status.handle(request, settings)
    raise Problem(404, "no such API route")


def _create(request: flask.Request, pool, settings: Settings) -> flask.Response:
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
