"""What every producer's adapter makes of a delivery: the original's CloudEvents type,
identity and time, and the catalog events it maps onto."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pts.domain.timefmt import format_rfc3339, parse_rfc3339


@dataclass
class Mapped:
    """One catalog event a delivery maps onto."""

    type: str
    data: dict
    time: str | None = None


@dataclass
class Adapted:
    """A delivery as PTS stores it. The original's source is the integration's source prefix
    followed by `subpath`; its id the sender's delivery id, else a hash of the body."""

    type: str
    subpath: str = ""
    delivery_id: str | None = None
    time: str | None = None
    subject: str | None = None
    mapped: list[Mapped] = field(default_factory=list)
    note: str | None = None  # why nothing was mapped, for the answer


def get(doc: Any, *path: str | int) -> Any:
    """doc[path[0]][path[1]]…, None as soon as a step is missing."""
    for step in path:
        if isinstance(doc, dict):
            doc = doc.get(step)
        elif isinstance(doc, list) and isinstance(step, int) and -len(doc) <= step < len(doc):
            doc = doc[step]
        else:
            return None
    return doc


def obj(value: Any) -> dict[str, Any]:
    """value when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """A non-empty string, numbers as their decimal text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) and value else None


_FORMS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%dT%H:%M:%S.%f%z")


def timestamp(value: Any) -> str | None:
    """An RFC 3339 time from what producers send: RFC 3339, GitLab's `2021-04-28 21:50:00
    +0200` or `… UTC`, Unix seconds; None when it is none of them."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return format_rfc3339(datetime.fromtimestamp(value, UTC))
    if not isinstance(value, str) or not value:
        return None
    try:
        return format_rfc3339(parse_rfc3339(value))
    except ValueError:
        pass
    for form in _FORMS:
        try:
            parsed = datetime.strptime(value, form)
        except ValueError:
            continue
        return format_rfc3339(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return None


_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def is_sha(value: Any) -> bool:
    return isinstance(value, str) and bool(_SHA.match(value))


def image_repository(reference: str) -> str:
    """`host/ns/app:tag@sha256:…` without its tag and digest."""
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name
