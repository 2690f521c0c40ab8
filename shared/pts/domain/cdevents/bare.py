"""A CDEvent posted as a bare JSON body becomes the CloudEvent its CloudEvents binding
prescribes: id, source, type from its context, time from context.timestamp, subject from
the subject's id, the whole CDEvent as data."""

from __future__ import annotations

from typing import Any

from pts.domain.timefmt import parse_rfc3339

# Stand-ins when the context lacks an attribute, so that the CDEvent model, not the
# CloudEvents attribute check, names what is missing (a 422 about the CDEvent).
MISSING_TYPE = "dev.cdevents.unknown"


def is_bare_cdevent(item: dict[str, Any]) -> bool:
    """A JSON object shaped like a CDEvent (context and subject objects, no CloudEvents
    type at the top)."""
    return (isinstance(item.get("context"), dict) and isinstance(item.get("subject"), dict)
            and "type" not in item)


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def from_bare_cdevent(item: dict[str, Any]) -> dict[str, Any]:
    """The raw CloudEvent of a bare CDEvent."""
    context, subject = item["context"], item["subject"]
    raw: dict[str, Any] = {
        "specversion": "1.0", "id": _text(context.get("id"), "-"),
        "source": _text(context.get("source"), "-"),
        "type": _text(context.get("type"), MISSING_TYPE),
        "datacontenttype": "application/json", "data": item,
    }
    timestamp = context.get("timestamp")
    try:
        if isinstance(timestamp, str):
            parse_rfc3339(timestamp)
            raw["time"] = timestamp
    except ValueError:
        pass  # the model refuses it, naming data.context.timestamp
    if isinstance(subject.get("id"), str) and subject["id"]:
        raw["subject"] = subject["id"]
    return raw
