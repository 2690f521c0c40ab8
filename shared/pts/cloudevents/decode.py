"""Decode an HTTP request into raw events: CloudEvents binary, structured and batched modes.

`decode_events` judges nothing but the wire (it is what ingest and the handlers read);
`decode_checked` also checks each event's CloudEvents attributes (the broker's ingress, the
dead-letter sink, a subscriber's reply). Malformed requests are Problems: 400, 413, 422.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from pts.cloudevents import percent
from pts.cloudevents.modes import NOT_CLOUDEVENTS, Mode, lowered, mode
from pts.config import Settings
from pts.domain.envelope import validate_attributes
from pts.domain.jsonnum import NumberError, loads
from pts.http.jsonbody import check_size, is_json_media, media_type, parse_json
from pts.http.limits import check_event_data
from pts.http.problem import Problem


def decode_events(headers: Mapping[str, str] | Any, body: bytes, settings: Settings, *,
                  refuse: int = 415) -> list[Any]:
    """The raw events of a CloudEvents request (JSON values: objects unless malformed).
    Problem `refuse` when the request is in no CloudEvents mode."""
    check_size(body, settings)
    lower = lowered(headers)
    found = mode(lower)
    if found is None:
        raise Problem(refuse, NOT_CLOUDEVENTS)
    return decode_mode(found, lower, body, settings)


def decode_mode(found: Mode, lower: dict[str, str], body: bytes,
                settings: Settings) -> list[Any]:
    """The raw events of a request in mode `found`; lower: its headers by lower-case name."""
    if found == "binary":
        return [_binary(lower, body)]
    doc = parse_json(body, settings)
    if found == "structured":
        if not isinstance(doc, dict):
            raise Problem(400, "a structured-mode body is one JSON object")
        return [doc]
    if not isinstance(doc, list):
        raise Problem(400, "a batched-mode body is a JSON array of events")
    check_length(doc, settings)
    return doc


def decode_checked(headers: Mapping[str, str] | Any, body: bytes, settings: Settings, *,
                   refuse: int = 400) -> list[dict[str, Any]]:
    """The CloudEvents of a request, each checked against the CloudEvents attributes (400
    naming index and field), attributes without a value left out."""
    raws = decode_events(headers, body, settings, refuse=refuse)
    check_event_data(raws, settings)  # what PostgreSQL cannot store is refused, not a 500
    errors = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, dict):
            errors.append({"index": index, "field": "", "message": "an event is a JSON object"})
            continue
        for e in validate_attributes(raw)[1]:
            errors.append({"index": index, "field": e.field, "message": e.message})
    if errors:
        raise Problem(400, "invalid CloudEvents; nothing was queued", errors=errors)
    return [{k: v for k, v in raw.items() if v is not None} for raw in raws]


def check_length(items: list[Any], settings: Settings) -> None:
    """Problem 413 when a request holds more than `max_batch_events` events."""
    if len(items) > settings.max_batch_events:
        raise Problem(413, f"the batch has {len(items)} events; at most "
                      f"{settings.max_batch_events} are accepted per request")


_DETAIL = {"raw non-ASCII bytes": "raw non-ASCII bytes; percent-encode them as UTF-8",
           "not UTF-8": "percent-encoding is not UTF-8"}


def _attribute(name: str, value: str) -> str:
    try:
        return percent.decode(value)
    except ValueError as exc:
        reason = str(exc)
        raise Problem(400, f"header {name}: {_DETAIL.get(reason, reason)}",
                      errors=[{"field": name[3:], "message": reason}]) from None


def _binary(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw: dict[str, Any] = {
        name[3:]: _attribute(name, value)
        for name, value in headers.items()
        if name.startswith("ce-") and len(name) > 3
    }
    content_type = headers.get("content-type")
    if content_type:
        raw["datacontenttype"] = content_type
    if not body:
        return raw
    if content_type is None or is_json_media(content_type):
        try:
            raw["data"] = loads(body)
        except NumberError as exc:
            raise Problem(422, f"{exc}; nothing was stored",
                          errors=[{"field": "data", "message": str(exc)}]) from None
        except (ValueError, RecursionError) as exc:
            raise Problem(400, f"the body is not the JSON its content type says: {exc}",
                          errors=[{"field": "data", "message": "malformed JSON"}]) from None
        return raw
    mt, charset = media_type(content_type), _charset(content_type)
    if mt.startswith("text/") or mt.endswith("xml") or charset:
        try:
            raw["data"] = body.decode(charset or "utf-8")
            return raw
        except (UnicodeDecodeError, LookupError):
            pass  # not the text it claims: keep the bytes
    raw["data_base64"] = base64.b64encode(body).decode("ascii")
    return raw


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=\"?([\w.:-]+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None
