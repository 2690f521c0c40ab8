"""JSON Schemas of the search API's answers (components of the OpenAPI document).

Modules that add routes add their item schemas here with `item` and `listing`."""

from __future__ import annotations

from typing import Any

TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
INT = {"type": "integer"}
INT_OR_NULL = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
OBJECT = {"type": "object"}

SCHEMAS: dict[str, dict[str, Any]] = {}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def item(name: str, properties: dict[str, Any], description: str = "") -> str:
    """Register an object schema whose properties are all required and the only ones."""
    SCHEMAS[name] = {"type": "object", "description": description, "properties": properties,
                     "required": list(properties), "additionalProperties": False}
    return name


def listing(name: str, item_name: str) -> str:
    """Register the `{"items": [...], "next_cursor": ...}` page of item_name."""
    return item(name, {"items": {"type": "array", "items": ref(item_name)},
                       "next_cursor": {"type": ["string", "null"],
                                       "description": "Pass as `cursor` for the next page; "
                                       "null on the last page."}},
                f"A page of {item_name} items.")


SCHEMAS["Problem"] = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each bad parameter.",
    "properties": {
        "type": TEXT, "title": TEXT, "status": INT, "detail": TEXT,
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "parameter": TEXT, "message": TEXT}, "required": ["message"]}},
    },
    "required": ["type", "title", "status", "detail"],
}
SCHEMAS["OpenAPI"] = {"type": "object", "required": ["openapi", "paths"]}

item("Event", {
    "seq": INT, "id": TEXT, "source": TEXT, "type": TEXT, "specversion": TEXT,
    "subject": TEXT_OR_NULL, "time": TIME_OR_NULL, "datacontenttype": TEXT_OR_NULL,
    "dataschema": TEXT_OR_NULL, "extensions": OBJECT,
    "data": {"description": "The event's data as sent (JSON), or null."},
    "data_base64": TEXT_OR_NULL, "received_at": TIME, "occurred_at": TIME,
    "service": TEXT_OR_NULL, "environment": TEXT_OR_NULL, "content_hash": TEXT,
}, "One event of the log: every CloudEvents attribute and what PTS adds (seq, "
   "received_at, occurred_at = time or else received_at, service, environment).")
listing("EventList", "Event")
