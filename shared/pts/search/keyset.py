"""Keyset pagination for the projection lists: resume strictly after the last item's sort
key (a row comparison on the ORDER BY columns), with a cursor bound to the filters."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pts.search import cursor
from pts.search.db import fetch


class Page:
    """One list query: its route name, filters, sort columns and direction."""

    def __init__(self, route: str, f: dict[str, Any], columns: tuple[str, ...],
                 casts: tuple[str, ...], descending: bool):
        self.f = f
        self.columns, self.casts, self.descending = columns, casts, descending
        filters = {k: v for k, v in f.items() if k not in ("limit", "cursor") and v is not None}
        self.query_id = cursor.fingerprint(route, filters)

    def resume(self, secret: str, conds: list[str], params: dict[str, Any]) -> None:
        """Add the "after the cursor" condition when the request has a cursor."""
        if not self.f.get("cursor"):
            return
        key = cursor.decode(secret, self.query_id, self.f["cursor"], (str,) * len(self.columns))
        if not all(_fits(v, cast) for v, cast in zip(key, self.casts, strict=True)):
            raise cursor.bad("not a cursor this API gave")
        names = [f"key_{i}" for i in range(len(key))]
        op = "<" if self.descending else ">"
        conds.append(f"({', '.join(self.columns)}) {op} ("
                     + ", ".join(f"%({n})s::{c}" for n, c in zip(names, self.casts, strict=True))
                     + ")")
        params.update(zip(names, key, strict=True))

    def order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        return "ORDER BY " + ", ".join(c + direction for c in self.columns)

    def run(self, conn, sql: str, params: dict[str, Any], secret: str,
            key: Any) -> tuple[list[dict], str | None]:
        """The page's rows and the next cursor (key(row) gives the sort key as strings)."""
        params = {**params, "limit": self.f["limit"] + 1}
        rows = fetch(conn, f"{sql} {self.order_by()} LIMIT %(limit)s", params)
        if len(rows) <= self.f["limit"]:
            return rows, None
        rows = rows[: self.f["limit"]]
        return rows, cursor.encode(secret, self.query_id, [str(v) for v in key(rows[-1])])


_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                   r"[+-][0-9]{2}:[0-9]{2}")


def _fits(value: str, cast: str) -> bool:
    """Whether PostgreSQL can cast value to cast (so a forged key is a 400, not a 500)."""
    if cast == "timestamptz":
        if not _TIME.fullmatch(value):
            return False
        try:
            return datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            return False
    if cast == "bigint":
        return re.fullmatch(r"-?[0-9]{1,18}", value) is not None
    return True


def where_sql(conds: list[str]) -> str:
    return " WHERE " + " AND ".join(conds) if conds else ""
