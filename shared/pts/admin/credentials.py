"""The admin API over named secrets, tokens and webhook integrations alike (the caller has
checked the admin scope):

- GET /api/tokens, /api/webhooks        {"tokens"|"webhooks": [...]}: live ones, never a secret
- POST /api/tokens, /api/webhooks       201 with the secret, shown this once; 422 when the
                                        body is wrong, 409 when a live one has the name
- DELETE /api/tokens/NAME, /api/webhooks/NAME   204; 404 when no live one has that name
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask

from pts.auth import store
from pts.auth.named import NamedTable, NameTaken
from pts.auth.scopes import parse_scopes
from pts.http.guard import read_json_object, require_method
from pts.http.problem import Problem, json_response
from pts.webhooks import admin_api as webhooks_api
from pts.webhooks import store as webhooks_store


def create_token(doc: dict[str, Any], pool: Any) -> dict[str, Any]:
    """POST /api/tokens {"name", "scopes", "source_prefix"?}: the token and its record."""
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
    token, record = store.create(pool, name, scopes, prefix or None)
    return {"token": token, **record.as_json()}


# The collection's name -> its table, and what makes a new row from a request's body.
KINDS: dict[str, tuple[NamedTable[Any], Callable[[dict[str, Any], Any], dict[str, Any]]]] = {
    "tokens": (store.TABLE, create_token),
    "webhooks": (webhooks_store.TABLE, webhooks_api.create),
}


def handle(request: flask.Request, route: str, pool: Any) -> flask.Response:
    """Answer one /api/tokens[/NAME] or /api/webhooks[/NAME] request."""
    collection, slash, name = route.partition("/")
    table, create = KINDS[collection]
    if not slash:
        require_method(request, "GET", "POST")
        if request.method == "GET":
            return json_response({collection: [r.as_json() for r in table.list(pool)]})
        try:
            return json_response(create(read_json_object(request), pool), status=201)
        except NameTaken as exc:
            raise Problem(409, str(exc)) from None
    require_method(request, "DELETE")
    if table.revoke(pool, name) is None:
        raise Problem(404, f"no live {table.noun} of that name")
    return flask.Response(status=204)
