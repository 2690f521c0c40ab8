"""A request body as JSON: its media type, and parsing with the body limits (size, nesting
depth, exact numbers). The CloudEvents codec (pts.cloudevents) and the webhooks use it."""

from __future__ import annotations

import re
from typing import Any

from pts.config import Settings
from pts.domain.jsonnum import NumberError, loads
from pts.http.problem import Problem


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type value, lower-case, without its parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json_media(content_type: str | None) -> bool:
    """Whether a Content-Type value names JSON (application/json, text/json, any +json)."""
    mt = media_type(content_type)
    return mt == "application/json" or mt.endswith("+json") or mt == "text/json"


def check_size(body: bytes, settings: Settings) -> None:
    """Problem 413 when the body is over `max_body_bytes`."""
    if len(body) > settings.max_body_bytes:
        raise Problem(413, f"the body is over {settings.max_body_bytes} bytes")


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
