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
    limit = settings.max_json_depth
    # Parsed first (C), its depth counted on the values after: a well-formed body's
    # containers are far fewer than its characters. A body that does not parse has its
    # depth counted on the text first, so that its answer is the same as before.
    try:
        doc = loads(text)
    except (ValueError, RecursionError) as exc:  # NumberError is a ValueError
        if _depth(text) > limit:
            raise _too_deep(limit) from None
        if isinstance(exc, NumberError):
            raise Problem(422, f"{exc}; nothing was stored") from None
        raise Problem(400, f"malformed JSON: {exc}") from None
    if _deeper(doc, limit):
        raise _too_deep(limit)
    return doc


def _too_deep(limit: int) -> Problem:
    return Problem(422, f"JSON nested deeper than {limit} levels")


def _deeper(doc: Any, limit: int) -> bool:
    """Whether parsed JSON nests more than `limit` containers (level by level, no
    recursion; each container counts, as each bracket does in `_depth`)."""
    level = [doc] if isinstance(doc, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        inner = []
        for container in level:
            for value in (container.values() if isinstance(container, dict) else container):
                if isinstance(value, (dict, list)):
                    inner.append(value)
        level = inner
    return False


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
