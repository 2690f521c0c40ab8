"""Limits on what a request may carry, beyond body size, batch length and JSON depth
(pts.http.decode): header count and size, and string length inside event data."""

from __future__ import annotations

from typing import Any

import flask

from pts.config import Settings
from pts.http.problem import Problem

MAX_REPORTED = 20


def check_headers(request: flask.Request, settings: Settings) -> None:
    """Problem 431 when the request has too many header fields or one too long. gunicorn
    refuses these first under `pts up`; this holds wherever else a function is served."""
    count = 0
    for name, value in request.headers.items():
        count += 1
        if len(name) + len(value) + 2 > settings.max_header_bytes:
            raise Problem(431, f"header {name[:64]!r} is over {settings.max_header_bytes} bytes")
    if count > settings.max_headers:
        raise Problem(431, f"{count} header fields; at most {settings.max_headers} are accepted")


def check_strings(raws: list, settings: Settings) -> None:
    """Problem 422 naming (index, field) of every string or key in event data longer than
    `max_string_length`. Attributes have their own limit (pts.domain.envelope)."""
    limit = settings.max_string_length
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(raws):
        if isinstance(raw, dict) and "data" in raw:
            _walk(raw["data"], "data", limit, index, errors)
        if len(errors) >= MAX_REPORTED:
            break
    if errors:
        raise Problem(422, f"strings in event data are limited to {limit} characters; "
                      "nothing was stored", errors=errors[:MAX_REPORTED])


def _walk(value: Any, path: str, limit: int, index: int, errors: list) -> None:
    # Iterative, so that depth is never a problem here (decode bounds it anyway).
    stack = [(value, path)]
    while stack and len(errors) < MAX_REPORTED:
        value, path = stack.pop()
        if isinstance(value, str):
            if len(value) > limit:
                errors.append({"index": index, "field": path,
                               "message": f"{len(value)} characters; at most {limit}"})
        elif isinstance(value, dict):
            for key, item in value.items():
                if len(key) > limit:
                    errors.append({"index": index, "field": f"{path}.{key[:32]}...",
                                   "message": f"a key of {len(key)} characters; at most {limit}"})
                stack.append((item, f"{path}.{key[:64]}"))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
