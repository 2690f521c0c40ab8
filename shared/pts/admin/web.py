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

from urllib.parse import urlsplit

import flask

from pts.admin import credentials, deadletters, static, status
from pts.auth import ADMIN, READ, authorize
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
    if route.partition("/")[0] in credentials.KINDS:
        authorize(request, ADMIN, function=FUNCTION, settings=settings)
        return credentials.handle(request, route, get_pool(settings))
    if route.startswith("deadletters/"):
        return deadletters.handle(request, route, settings)
    if route == "status":
        return status.handle(request, settings)
    raise Problem(404, "no such API route")

