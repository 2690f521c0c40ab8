"""Every time PTS emits is RFC 3339 with `Z`, as PTS's own parser reads it back."""

from __future__ import annotations

from typing import Any

from pts.domain.timefmt import parse_rfc3339


def times_in(doc: Any, key: str = "") -> list[str]:
    """The values of every `*_at` and `time` member of a JSON document, however deep
    (None left out: a time not yet known)."""
    if isinstance(doc, dict):
        return [t for k, v in doc.items() for t in times_in(v, k)]
    if isinstance(doc, list):
        return [t for v in doc for t in times_in(v, key)]
    return [doc] if doc is not None and (key.endswith("_at") or key == "time") else []


def assert_times_are_rfc3339(doc: Any, at_least: int = 1) -> None:
    """Each time in doc is a string in UTC with `Z` that parse_rfc3339 takes; at_least of
    them are there (a check that found none proves nothing)."""
    found = times_in(doc)
    assert len(found) >= at_least, (found, doc)
    for value in found:
        assert isinstance(value, str) and value.endswith("Z"), value
        parse_rfc3339(value)
