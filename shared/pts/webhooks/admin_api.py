"""The admin function's webhook routes (the caller has checked the admin scope):

- GET /api/webhooks           {"webhooks": [...]} live integrations, never secrets
- POST /api/webhooks          {"name", "kind", "source_prefix"?} -> 201 {"name", "kind",
                              "url", "secret", ...}: the secret is shown this once
- DELETE /api/webhooks/NAME   204; 404 when no live integration has that name
"""

from __future__ import annotations

import flask

from pts.http.guard import read_json_object, require_method
from pts.http.problem import Problem, json_response
from pts.webhooks import store


def handle(request: flask.Request, route: str, pool) -> flask.Response:
    """Answer one /api/webhooks[/NAME] request."""
    if route == "webhooks":
        require_method(request, "GET", "POST")
        if request.method == "GET":
            return json_response({"webhooks": [i.as_json()
                                               for i in store.list_integrations(pool)]})
        return _create(request, pool)
    require_method(request, "DELETE")
    if store.revoke(pool, route[len("webhooks/"):]) is None:
        raise Problem(404, "no live webhook integration of that name")
    return flask.Response(status=204)


def _create(request: flask.Request, pool) -> flask.Response:
    doc = read_json_object(request)
    name, kind, prefix = doc.get("name"), doc.get("kind"), doc.get("source_prefix")
    errors = store.check(name, kind, prefix)
    # (check refuses a name or kind that is no string: the isinstance tests only say so.)
    if errors or not isinstance(name, str) or not isinstance(kind, str):
        raise Problem(422, "the webhook integration cannot be created", errors=errors)
    try:
        secret, integration = store.create(pool, name, kind,
                                           prefix if isinstance(prefix, str) and prefix else None)
    except store.NameTaken as exc:
        raise Problem(409, str(exc)) from None
    return json_response({**integration.as_json(), "secret": secret}, status=201)
