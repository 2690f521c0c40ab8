"""An event in CloudEvents' JSON format as an HTTP message: binary, structured or batched
mode. Each returns (headers, body)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from pts.cloudevents import percent
from pts.cloudevents.modes import BATCH, STRUCTURED
from pts.domain.jsonnum import dumps
from pts.http.jsonbody import is_json_media

_NOT_HEADERS = ("data", "data_base64", "datacontenttype")


def header_value(value: Any) -> str:
    """An attribute's binary-mode header value: its canonical string, percent-encoded
    (a boolean is `true` or `false`, an integer its decimal digits)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return percent.encode(value if isinstance(value, str) else str(value))


def to_binary(event: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    """Headers and body of the binary-mode HTTP message of event: each attribute a `ce-`
    header, the data the body, `datacontenttype` the Content-Type (when the event names
    none: application/json for `data`, application/octet-stream for `data_base64`)."""
    headers = {f"ce-{name}": header_value(value) for name, value in event.items()
               if value is not None and name not in _NOT_HEADERS}
    content_type = event.get("datacontenttype")
    if event.get("data_base64") is not None:
        body = base64.b64decode(event["data_base64"])
        # Bytes with no type of their own: without a Content-Type a receiver (ours too)
        # would read the body as JSON.
        content_type = content_type or "application/octet-stream"
    elif event.get("data") is not None:
        data = event["data"]
        if isinstance(data, str) and content_type and not is_json_media(content_type):
            body = data.encode("utf-8")
        else:
            body = dumps(data, separators=(",", ":")).encode()
            content_type = content_type or "application/json"
    else:
        body = b""
    if content_type:
        headers["Content-Type"] = content_type
    return headers, body


def to_structured(event: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    """Headers and body of the structured-mode HTTP message of event."""
    return {"Content-Type": STRUCTURED}, dumps(event, separators=(",", ":")).encode()


def to_batch(events: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], bytes]:
    """Headers and body of the batched-mode HTTP message of events."""
    return {"Content-Type": BATCH}, dumps(list(events), separators=(",", ":")).encode()
