"""The OpenAPI 3.1 document of the search API, generated from the routes' pydantic models
(parameters from each route's query model, answers from its response model), so that it
cannot drift from what the routes accept and answer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from pts.search.routes import Route

PROBLEM = "application/problem+json"
REF = "#/components/schemas/{model}"
# One path segment: the framework routes no control character (its 404 is not ours) and a
# slash would end the segment.
SEGMENT = "^[^/\\u0000-\\u001f\\u007f]+$"


class BadParameter(BaseModel):
    model_config = ConfigDict(extra="allow", title="BadParameter")
    parameter: str = Field("", description="The parameter's name.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` names each bad parameter."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[BadParameter] = Field(default_factory=list)


def _clean(schema: Any, defs: dict[str, Any]) -> Any:
    """schema without pydantic's titles, with the definitions marked x-inline in place."""
    if isinstance(schema, list):
        return [_clean(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if ref and defs.get(ref.rsplit("/", 1)[1], {}).get("x-inline"):
        inline = {k: v for k, v in defs[ref.rsplit("/", 1)[1]].items() if k != "x-inline"}
        return _clean(inline, defs)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":  # names, not keywords: a property may be called title
            out[key] = {n: _clean(p, defs) for n, p in value.items()}
        elif key != "title":
            out[key] = _clean(value, defs)
    return out


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema: a query string value is never null."""
    branches = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if len(branches) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        schema = {**branches[0], **rest}
    if schema.get("default", 0) is None:
        del schema["default"]
    return schema


def parameters(route: Route) -> list[dict[str, Any]]:
    """The parameters of a route, from its query model."""
    model = route.query.model_json_schema()
    required = set(model.get("required", []))
    out = []
    for name, prop in _clean(model.get("properties", {}), {}).items():
        if "x-parameter" in prop:
            out.append({"name": name, "in": "query", "required": False,
                        **prop["x-parameter"]})
            continue
        schema = _not_null(dict(prop))
        description = schema.pop("description", "")
        where = "path" if name in route.query.PATH else "query"
        if where == "path" and schema.get("type") == "string":
            schema["pattern"] = SEGMENT
        out.append({"name": name, "in": where, "required": where == "path" or name in required,
                    "description": description, "schema": schema})
    # Path first, then the filters, then paging and data filters (the models declare them
    # in a base class, hence first).
    last = {"limit": 1, "cursor": 2, "data": 3}
    return sorted(out, key=lambda p: (p["in"] != "path", last.get(p["name"], 0)))


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM: {"schema": {"$ref": REF.format(model="Problem")}}}}


def _operation(route: Route) -> dict[str, Any]:
    responses = {
        "200": {"description": route.summary, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=route.response.__name__)}}}},
        "400": _problem("A parameter is unknown, repeated or malformed (named in `errors`)."),
        "503": _problem("The database is unavailable, or the query ran out of time."),
    }
    if route.not_found:
        responses["404"] = _problem("Nothing has that identifier.")
    if not route.public:
        responses["401"] = _problem("No token, or an unknown or revoked one.")
        responses["403"] = _problem("The token lacks the read scope.")
        responses["429"] = _problem("Over the token's rate limit (see Retry-After).")
    op: dict[str, Any] = {"operationId": route.handler.__name__, "summary": route.summary,
                          "parameters": parameters(route), "responses": responses}
    op["security"] = [] if route.public else [{"bearer": []}]
    if route.description:
        op["description"] = route.description
    return op


def schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """The components of models and of every model they use, by name."""
    _, top = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    defs: dict[str, Any] = top.get("$defs", {})
    return {name: _clean(s, defs) for name, s in defs.items() if not s.get("x-inline")}


def document(routes: Iterable[Route]) -> dict[str, Any]:
    """The OpenAPI 3.1 document describing routes."""
    routes = list(routes)
    return {
        "openapi": "3.1.0",
        "info": {"title": "PTS search", "version": "1",
                 "description": "Read-only JSON API over the platform event log and its "
                 "projections. Lists answer {items, next_cursor}; times are RFC 3339 UTC."},
        "servers": [{"url": "/function/search"}],
        "paths": {r.path: {"get": _operation(r)} for r in routes},
        "components": {"schemas": schemas([Problem, *(r.response for r in routes)]),
                       "securitySchemes": {"bearer": {
                           "type": "http", "scheme": "bearer",
                           "description": "A PTS token with the read scope (pts token "
                           "create)."}}},
    }
