"""Which CloudEvents content mode an HTTP message is in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pts.http.headers import environ_headers
from pts.http.jsonbody import media_type

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
NOT_CLOUDEVENTS = (f"not a CloudEvent: send binary mode (ce-* headers), structured mode "
                   f"({STRUCTURED}) or a batch ({BATCH})")

Mode = Literal["binary", "structured", "batch"]


def lowered(headers: Mapping[str, str] | Any) -> dict[str, str]:
    """The headers (a mapping or werkzeug Headers) by lower-case name."""
    environ = getattr(headers, "environ", None)
    if isinstance(environ, dict):  # a request's EnvironHeaders: read the WSGI environ once
        return {name.lower(): value for name, value in environ_headers(environ)}
    return {k.lower(): v for k, v in headers.items()}


def mode(lower: Mapping[str, str]) -> Mode | None:
    """The content mode of a message whose headers are lower-cased; None for none."""
    if "ce-specversion" in lower:
        return "binary"
    mt = media_type(lower.get("content-type"))
    if mt == STRUCTURED:
        return "structured"
    return "batch" if mt == BATCH else None


def is_cloudevent(headers: Mapping[str, str]) -> bool:
    """Whether a message (a subscriber's reply) carries one CloudEvent: binary or
    structured mode."""
    return mode(lowered(headers)) in ("binary", "structured")
