"""Decode an HTTP request into raw events: CloudEvents binary, structured and batched modes,
and plain JSON. Nothing here judges the events; pts.domain.envelope does.

Decoded here rather than by the cloudevents SDK, whose parser turns extension values into
strings and guesses the data's type from its looks: the log must keep what was sent exactly
as sent. The SDK is what the tests (and producers) send with.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import Headers

from pts.config import Settings
from pts.domain.catalog import CATALOG, full_type
from pts.domain.cdevents.bare import from_bare_cdevent, is_bare_cdevent
from pts.domain.jsonnum import NumberError, loads
from pts.http.problem import Problem

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
PLAIN_ATTRIBUTES = ("type", "source", "id", "time", "subject")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json_media(content_type: str | None) -> bool:
    mt = media_type(content_type)
    return mt == "application/json" or mt.endswith("+json") or mt == "text/json"


def decode_request(headers: Mapping[str, str] | Headers, body: bytes,
                   settings: Settings) -> list[Any]:
    """The raw events of one request (JSON values: objects unless malformed); Problem
    (400/413/415) when the request is malformed."""
    if len(body) > settings.max_body_bytes:
        raise Problem(413, f"the body is over {settings.max_body_bytes} bytes")
    lower = {k.lower(): v for k, v in headers.items()}
    content_type = lower.get("content-type")
    if "ce-specversion" in lower:
        return [_binary(lower, body)]
    mt = media_type(content_type)
    if mt == STRUCTURED:
        doc = parse_json(body, settings)
        if not isinstance(doc, dict):
            raise Problem(400, "a structured-mode body is one JSON object")
        return [doc]
    if mt == BATCH:
        doc = parse_json(body, settings)
        if not isinstance(doc, list):
            raise Problem(400, "a batched-mode body is a JSON array of events")
        _check_length(doc, settings)
        return doc
    if mt in ("application/json", "text/json"):
        doc = parse_json(body, settings)
        items = doc if isinstance(doc, list) else [doc]
        _check_length(items, settings)
        key = lower.get("idempotency-key")
        many = isinstance(doc, list)
        return [_plain(item, key, i if many else None, settings) for i, item in enumerate(items)]
    raise Problem(
        415,
        f"unsupported content type {content_type!r}: send CloudEvents (binary mode, "
        f"{STRUCTURED}, {BATCH}) or application/json",
    )


def _check_length(items: list[Any], settings: Settings) -> None:
    if len(items) > settings.max_batch_events:
        raise Problem(413, f"the batch has {len(items)} events; at most "
                      f"{settings.max_batch_events} are accepted per request")


def parse_json(body: bytes, settings: Settings) -> Any:
    """JSON with a bounded nesting depth; Problem 400 for malformed, 422 for too deep."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"the body is not UTF-8: {exc}") from None
    if _depth(text) > settings.max_json_depth:
        raise Problem(422, f"JSON nested deeper than {settings.max_json_depth} levels")
    try:
        return loads(text)
    except NumberError as exc:
        raise Problem(422, f"{exc}; nothing was stored") from None
    except (ValueError, RecursionError) as exc:
        raise Problem(400, f"malformed JSON: {exc}") from None


# A JSON string (escapes included; an unterminated one runs to the end), and a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\?\Z)')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """Nesting depth of a JSON text, counted without parsing: strings are blanked out by a
    regular expression, so only the brackets are visited in Python (ingest's hot path)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def encode_header_value(value: str) -> str:
    """A binary-mode header value: space, `"`, `%` and all but printable ASCII
    percent-encoded (CloudEvents HTTP binding 1.0.2, 3.1.3.2)."""
    return "".join(
        ch if "!" <= ch <= "~" and ch not in '"%' else "".join(f"%{b:02X}" for b in ch.encode())
        for ch in value
    )


def _header_value(name: str, value: str) -> str:
    if not value.isascii():
        # WSGI hands header bytes over as Latin-1: a raw byte above 0x7F would be stored as
        # mojibake. The HTTP binding says to percent-encode them (UTF-8).
        raise Problem(400, f"header {name}: raw non-ASCII bytes; percent-encode them as UTF-8",
                      errors=[{"field": name[3:], "message": "raw non-ASCII bytes"}])
    if _BAD_PERCENT.search(value):
        raise Problem(400, f"header {name}: malformed percent-encoding",
                      errors=[{"field": name[3:], "message": "malformed percent-encoding"}])
    try:
        return unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, f"header {name}: percent-encoding is not UTF-8",
                      errors=[{"field": name[3:], "message": "not UTF-8"}]) from None


def _binary(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw: dict[str, Any] = {
        name[3:]: _header_value(name, value)
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


def _plain(item: Any, key: str | None, index: int | None, settings: Settings) -> Any:
    """Plain JSON `{"type": ..., ...data}` as a raw CloudEvent; a structured event as is."""
    if not isinstance(item, dict):
        return item  # the validator names the problem with its index
    if "specversion" in item:
        return item
    if is_bare_cdevent(item):
        return from_bare_cdevent(item)
    raw: dict[str, Any] = {"specversion": "1.0", "datacontenttype": "application/json"}
    data: dict[str, Any] = {}
    for name, value in item.items():
        (raw if name in PLAIN_ATTRIBUTES else data)[name] = value
    if isinstance(raw.get("type"), str):
        raw["type"] = full_type(raw["type"])
        model = CATALOG.get(raw["type"])
        if "time" in raw and model is not None and "time" in model.model_fields:
            data.setdefault("time", raw["time"])  # change.merged's data has a time of its own
    raw.setdefault("source", settings.plain_source)
    if "id" not in raw:
        if key:
            raw["id"] = key if index is None else f"{key}:{index}"
        else:
            raw["id"] = str(uuid.uuid4())
    raw["data"] = data
    return raw
