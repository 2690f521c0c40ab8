"""Ingest's request body: CloudEvents in any mode (pts.cloudevents), or plain JSON.

Plain JSON is ingest's convenience for producers without a CloudEvents SDK: an object (or an
array of them) `{"type": "deployment.started", ...data}` becomes a raw CloudEvent; a bare
CDEvent becomes the CloudEvent its binding prescribes; a structured event stays as it is.
Nothing here judges the events; pts.domain.envelope does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pts.cloudevents.decode import check_length, decode_mode
from pts.cloudevents.modes import BATCH, STRUCTURED, lowered, mode
from pts.config import Settings
from pts.domain.catalog import CATALOG, full_type
from pts.domain.cdevents.bare import from_bare_cdevent, is_bare_cdevent
from pts.http.jsonbody import check_size, media_type, parse_json
from pts.http.problem import Problem

PLAIN_ATTRIBUTES = ("type", "source", "id", "time", "subject")


def decode_request(headers: Mapping[str, str] | Any, body: bytes,
                   settings: Settings) -> list[Any]:
    """The raw events of one ingest request (JSON values: objects unless malformed); Problem
    (400/413/415/422) when the request is malformed."""
    check_size(body, settings)
    lower = lowered(headers)
    found = mode(lower)
    if found is not None:
        return decode_mode(found, lower, body, settings)
    content_type = lower.get("content-type")
    if media_type(content_type) not in ("application/json", "text/json"):
        raise Problem(
            415,
            f"unsupported content type {content_type!r}: send CloudEvents (binary mode, "
            f"{STRUCTURED}, {BATCH}) or application/json",
        )
    doc = parse_json(body, settings)
    items = doc if isinstance(doc, list) else [doc]
    check_length(items, settings)
    key = lower.get("idempotency-key")
    many = isinstance(doc, list)
    return [_plain(item, key, i if many else None, settings) for i, item in enumerate(items)]


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
