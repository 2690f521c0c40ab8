"""CloudEvents HTTP binary mode, written by hand from an event in JSON format.

An event here is a dict in CloudEvents' JSON format: attributes, extensions, and `data` or
`data_base64`. Header values are percent-encoded as the HTTP binding requires.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pts.domain.jsonnum import dumps
from pts.domain.timefmt import format_rfc3339
from pts.http.decode import STRUCTURED, is_json_media, media_type

# Printable ASCII except space, double quote and percent stays as is.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return quote(str(value), safe=_SAFE)


def to_binary(event: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    """Headers and body of the binary-mode HTTP message of event."""
    headers: dict[str, str] = {}
    for name, value in event.items():
        if name in ("data", "data_base64", "datacontenttype") or value is None:
            continue
        headers[f"ce-{name}"] = _header_value(value)
    content_type = event.get("datacontenttype")
    if event.get("data_base64") is not None:
        body = base64.b64decode(event["data_base64"])
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


def is_cloudevent(headers: Mapping[str, str]) -> bool:
    """Whether an HTTP message (a reply) carries a CloudEvent, in binary or structured mode."""
    lower = {k.lower(): v for k, v in headers.items()}
    return "ce-specversion" in lower or media_type(lower.get("content-type")) == STRUCTURED


def from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form of a platform_events row (a mapping of its columns)."""
    out: dict[str, Any] = {"specversion": row["specversion"], "id": row["id"],
                           "source": row["source"], "type": row["type"]}
    for name in ("subject", "datacontenttype", "dataschema"):
        if row.get(name) is not None:
            out[name] = row[name]
    if row.get("time") is not None:
        out["time"] = format_rfc3339(row["time"])
    out.update(row.get("extensions") or {})
    if row.get("data_base64") is not None:
        out["data_base64"] = row["data_base64"]
    elif row.get("data") is not None:
        out["data"] = row["data"]
    return out
