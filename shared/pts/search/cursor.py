"""Opaque, sealed pagination cursors.

A cursor is the keyset of the last item served and a fingerprint of the query's filters,
signed with itsdangerous (HMAC-SHA1 by default, keyed with the installation's secret; see
pts.db.secrets). A cursor replayed with other filters, edited, truncated or made without
the key answers 400 instead of wrong results. Even a correctly signed cursor is checked
value by value before it reaches SQL, so a leaked key cannot turn into a 500.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from pts.http.problem import Problem

VERSION = 3  # 3: keys keep their types (integers as numbers)
MAX_LENGTH = 2048
SALT = "pts.search.cursor"


def fingerprint(route: str, filters: dict[str, Any]) -> str:
    """A short digest of the route and its filters (everything but limit and cursor)."""
    text = json.dumps([route, filters], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def encode(secret: str, query: str, key: list[Any]) -> str:
    """The cursor that resumes after key (a JSON list) for the query with that fingerprint."""
    return _serializer(secret).dumps({"v": VERSION, "q": query, "k": key})


def bad(message: str) -> Problem:
    """Problem 400 naming the cursor parameter."""
    return Problem(400, f"bad query parameter: cursor ({message})",
                   errors=[{"parameter": "cursor", "message": message}])


def _printable(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def decode(secret: str, query: str, cursor: str, shape: tuple[type, ...]) -> list[Any]:
    """The keyset of a cursor made by `encode` for this query; Problem 400 otherwise.
    shape gives the type of each element of the keyset."""
    if len(cursor) > MAX_LENGTH:
        raise bad("not a cursor this API gave")
    try:
        doc = _serializer(secret).loads(cursor)
    except BadData:
        raise bad("the cursor was altered, or comes from another installation or "
                  "another version; start again without it") from None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise bad("a cursor of another version; start again without it")
    if doc.get("q") != query:
        raise bad("the cursor belongs to a query with other filters")
    key = doc.get("k")
    if (not isinstance(key, list) or len(key) != len(shape)
            or not all(type(v) is t and _printable(v) for v, t in zip(key, shape, strict=True))):
        raise bad("not a cursor this API gave")
    return key
