"""Limits on what a request may carry, beyond body size, batch length and JSON depth
(pts.http.jsonbody, pts.cloudevents.decode): header count and size; string length and
depth of event data."""

from __future__ import annotations

from typing import Any

import flask

from pts.config import Settings
from pts.http.headers import environ_headers
from pts.http.problem import Problem

MAX_REPORTED = 20


def check_headers(request: flask.Request, settings: Settings) -> None:
    """Problem 431 when the request has too many header fields or one too long. gunicorn
    refuses these first under `pts up`; this holds wherever else a function is served."""
    count = 0
    for name, value in environ_headers(request.environ):
        count += 1
        if len(name) + len(value) + 2 > settings.max_header_bytes:
            raise Problem(431, f"header {name[:64]!r} is over {settings.max_header_bytes} bytes")
    if count > settings.max_headers:
        raise Problem(431, f"{count} header fields; at most {settings.max_headers} are accepted")


def check_event_data(raws: list[Any], settings: Settings) -> None:
    """Problem 422 naming (index, field) of every string or key in event data longer than
    `max_string_length`, of data nested deeper than `max_json_depth` (binary mode's
    body is parsed apart from the JSON documents decode bounds), and of U+0000 anywhere
    (400 in attributes). Attribute lengths have their own limit (pts.domain.envelope)."""
    errors: list[dict[str, Any]] = []
    nul: list[dict[str, Any]] = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, dict):
            continue
        # PostgreSQL text and jsonb cannot hold U+0000: refuse it rather than fail storing.
        if not _plain_attributes(raw):
            nul.extend({"index": index, "field": name[:64], "message": _unstorable(name) or
                        _unstorable(value)} for name, value in raw.items() if name != "data"
                       and not (_plain(name) and _plain(value))
                       and (_unstorable(name) or _unstorable(value)))
        # A quick pass first (no paths built); the walk that names each error runs only
        # when that pass finds something.
        if "data" in raw and not _fine(raw["data"], settings):
            _walk(raw["data"], index, settings, errors)
        if len(errors) + len(nul) >= MAX_REPORTED:
            break
    if nul:
        raise Problem(400, "attributes cannot contain U+0000 or lone surrogates; nothing "
                      "was stored",
                      errors=nul[:MAX_REPORTED])
    if errors:
        raise Problem(422, f"event data is limited to strings of {settings.max_string_length} "
                      f"characters and {settings.max_json_depth} levels; nothing was stored",
                      errors=errors[:MAX_REPORTED])


def _walk(value: Any, index: int, settings: Settings, errors: list[dict[str, Any]]) -> None:
    # Iterative, so that no depth can exhaust the stack here.
    limit, max_depth = settings.max_string_length, settings.max_json_depth
    stack = [(value, "data", 1)]
    while stack and len(errors) < MAX_REPORTED:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > limit:
                errors.append({"index": index, "field": path,
                               "message": f"{len(value)} characters; at most {limit}"})
            if _unstorable(value):
                errors.append({"index": index, "field": path, "message": _unstorable(value)})
        elif isinstance(value, (dict, list)) and depth > max_depth:
            errors.append({"index": index, "field": path[:200],
                           "message": f"nested deeper than {max_depth} levels"})
        elif isinstance(value, dict):
            for key, item in value.items():
                if reason := _unstorable(key):
                    errors.append({"index": index, "field": path,
                                   "message": "a key " + reason})
                if len(key) > limit:
                    errors.append({"index": index, "field": f"{path}.{key[:32]}...",
                                   "message": f"a key of {len(key)} characters; at most {limit}"})
                stack.append((item, f"{path}.{key[:64]}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


def _plain_attributes(raw: dict[str, Any]) -> bool:
    """True when every attribute name and string value (data aside) is ASCII without U+0000:
    nothing there is unstorable. One join and two C scans per event, where the check of
    each attribute in turn costs two calls per attribute."""
    try:
        text = "".join([*raw, *[v for k, v in raw.items() if k != "data" and isinstance(v, str)]])
    except TypeError:  # a name that is not a string (never from JSON): the full check
        return False
    return text.isascii() and "\x00" not in text


def _plain(value: Any) -> bool:
    """Certainly storable: no string, or an ASCII one without U+0000 (_unstorable: None)."""
    return not isinstance(value, str) or (value.isascii() and "\x00" not in value)


def _fine(value: Any, settings: Settings) -> bool:
    """True when _walk would find nothing in value: the same limits, checked without the
    paths that only an error needs. False means _walk has something to name (or that a
    non-ASCII string needs its closer look)."""
    limit, max_depth = settings.max_string_length, settings.max_json_depth
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > limit or not _plain(value):
                return False
        elif isinstance(value, dict):
            if depth > max_depth:
                return False
            for key, item in value.items():
                if len(key) > limit or not _plain(key):
                    return False
                if isinstance(item, str):
                    if len(item) > limit or not _plain(item):
                        return False
                elif isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > max_depth:
                return False
            stack.extend((item, depth + 1) for item in value)
    return True


def _unstorable(value: Any) -> str | None:
    """Why PostgreSQL cannot store this string (U+0000, a lone surrogate), or None."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return "contains U+0000"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (not UTF-8)"
    return None
