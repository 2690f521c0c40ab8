"""The OpenAPI 3.1 document of the search API, generated from the routing table so that it
cannot drift from what the routes accept and answer."""

from __future__ import annotations

from typing import Any

from pts.search.params import DATA_PREFIX, MAX_TEXT
from pts.search.schemas import SCHEMAS, ref

PROBLEM = "application/problem+json"
_KEY = "[^.\\u0000]+"  # a key of a data path: no dot, no NUL


def _param(param, where: str) -> dict[str, Any]:
    schema = param.schema()
    if where == "path" and param.kind == "text":
        # One path segment: the framework routes no control character (its 404 is not
        # ours) and a slash would end the segment.
        schema["pattern"] = "^[^/\\u0000-\\u001f\\u007f]+$"
    return {"name": param.name, "in": where,
            "required": where == "path" or param.required,
            "description": param.description, "schema": schema}


def _data_param() -> dict[str, Any]:
    return {
        "name": "data", "in": "query", "required": False, "style": "form", "explode": True,
        "description": "`data.<path>=<value>` parameters: match inside the event data.",
        "schema": {"type": "object", "propertyNames": {
            "maxLength": MAX_TEXT,
            "pattern": f"^{DATA_PREFIX.replace('.', '[.]')}{_KEY}([.]{_KEY})*$"},
            "additionalProperties": {"type": "string", "maxLength": MAX_TEXT,
                                     "pattern": "^[^\\u0000]*$"}},
    }


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": ref("Problem")}}}


def _operation(route) -> dict[str, Any]:
    params = [_param(p, "path") for p in route.path_params]
    params += [_param(p, "query") for p in route.params]
    if route.data_filters:
        params.append(_data_param())
    responses = {
        "200": {"description": route.summary,
                "content": {"application/json": {"schema": ref(route.response)}}},
        "400": _problem("A parameter is unknown, repeated or malformed (named in `errors`)."),
        "503": _problem("The database is unavailable, or the query ran out of time."),
    }
    if route.not_found:
        responses["404"] = _problem("Nothing has that identifier.")
    if not route.public:
        responses["401"] = _problem("No token, or an unknown or revoked one.")
        responses["403"] = _problem("The token lacks the read scope.")
        responses["429"] = _problem("Over the token's rate limit (see Retry-After).")
    op = {"operationId": route.handler.__name__, "summary": route.summary,
          "parameters": params, "responses": responses}
    op["security"] = [] if route.public else [{"bearer": []}]
    if route.description:
        op["description"] = route.description
    return op


def document(routes) -> dict[str, Any]:
    """The OpenAPI 3.1 document describing routes."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "PTS search", "version": "1",
                 "description": "Read-only JSON API over the platform event log and its "
                 "projections. Lists answer {items, next_cursor}; times are RFC 3339 UTC."},
        "servers": [{"url": "/function/search"}],
        "paths": {r.path: {"get": _operation(r)} for r in routes},
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A PTS token with the read scope (pts token create)."}}},
    }
