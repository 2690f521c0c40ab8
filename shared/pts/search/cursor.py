"""Opaque, tamper-evident pagination cursors.

A cursor is base64url(JSON) plus an HMAC-SHA256 tag over it. The JSON holds the keyset of
the last item served and a fingerprint of the query's filters, so that a cursor replayed
with other filters, edited, truncated or forged answers 400 instead of wrong results.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from pts.http.problem import Problem

VERSION = 1
MAX_LENGTH = 2048


def fingerprint(route: str, filters: dict[str, Any]) -> str:
    """A short digest of the route and its filters (everything but limit and cursor)."""
    text = json.dumps([route, filters], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tag(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode(secret: str, query: str, key: list[Any]) -> str:
    """The cursor that resumes after key (a JSON list) for the query with that fingerprint."""
    payload = json.dumps({"v": VERSION, "q": query, "k": key}, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_tag(secret, payload)}"


def decode(secret: str, query: str, cursor: str, shape: tuple[type, ...]) -> list[Any]:
    """The keyset of a cursor made by `encode` for this query; Problem 400 otherwise.
    shape gives the type of each element of the keyset."""
    def bad(message: str) -> Problem:
        return Problem(400, f"bad query parameter: cursor ({message})",
                       errors=[{"parameter": "cursor", "message": message}])

    if len(cursor) > MAX_LENGTH or cursor.count(".") != 1:
        raise bad("not a cursor this API gave")
    body, tag = cursor.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise bad("not a cursor this API gave") from None
    if not hmac.compare_digest(tag, _tag(secret, payload)):
        raise bad("the cursor was altered or comes from another installation")
    try:
        doc = json.loads(payload)
    except ValueError:
        raise bad("not a cursor this API gave") from None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise bad("a cursor of another version; start again without it")
    if doc.get("q") != query:
        raise bad("the cursor belongs to a query with other filters")
    key = doc.get("k")
    if (not isinstance(key, list) or len(key) != len(shape)
            or not all(type(v) is t for v, t in zip(key, shape, strict=True))):
        raise bad("not a cursor this API gave")
    return key
