"""Keyset pagination, the one way every list pages (events, deployments, services, images,
environments, dead letters): a page resumes strictly after the last item's sort key, which
the sealed cursor (pts.search.cursor) carries, bound to the query's filters."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import psycopg

from pts.search import cursor
from pts.search.db import fetch

Row = dict[str, Any]
_TYPES: dict[str, type] = {"bigint": int, "text": str, "timestamptz": str}
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                   r"[+-][0-9]{2}:[0-9]{2}")


class Paged(Protocol):
    """What a page is cut by: a size, a cursor, and the filters the cursor is bound to
    (a pts.search.params.ListQuery, or a `Slice`)."""

    @property
    def limit(self) -> int: ...
    @property
    def cursor(self) -> str | None: ...
    def filters(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Slice:
    """The first `limit` items, no filter (for callers without a query string: the CLI)."""

    limit: int
    cursor: None = None

    def filters(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Keyset:
    """How one list is ordered: its name (cursors are bound to it), the SQL expressions of
    its sort key, their types (bigint, text or timestamptz) and the direction."""

    route: str
    columns: tuple[str, ...]
    casts: tuple[str, ...]
    descending: bool = False

    def key(self, row: Row) -> list[Any]:
        """The sort key of a row (columns named by their last dotted part)."""
        out = []
        for column, cast in zip(self.columns, self.casts, strict=True):
            value = row[column.rsplit(".", 1)[-1]]
            if isinstance(value, datetime):
                value = value.isoformat()
            elif cast == "timestamptz" and isinstance(value, str) and value.endswith("Z"):
                value = value[:-1] + "+00:00"  # read as text (text_times): the same key
            out.append(value)
        return out


class Page:
    """One request's page of a list: its size, and where it resumes (the cursor, refused
    with 400 unless this API made it for the same query)."""

    def __init__(self, keyset: Keyset, query: Paged, secret: str):
        self.keyset, self.limit, self.secret = keyset, query.limit, secret
        self.query_id = cursor.fingerprint(keyset.route, query.filters())
        self.after: list[Any] | None = None
        if query.cursor is not None:
            shape = tuple(_TYPES[c] for c in keyset.casts)
            after = cursor.decode(secret, self.query_id, query.cursor, shape)
            if not all(_fits(v, c) for v, c in zip(after, keyset.casts, strict=True)):
                raise cursor.bad("not a cursor this API gave")
            self.after = after

    def resume(self, conds: list[str], params: dict[str, Any]) -> None:
        """Add the "after the cursor" condition (a row comparison) when there is a cursor."""
        if self.after is None:
            return
        names = [f"key_{i}" for i in range(len(self.after))]
        values = [f"%({n})s::{c}" for n, c in zip(names, self.keyset.casts, strict=True)]
        op = "<" if self.keyset.descending else ">"
        if len(names) == 1:
            conds.append(f"{self.keyset.columns[0]} {op} {values[0]}")
        else:
            conds.append(f"({', '.join(self.keyset.columns)}) {op} ({', '.join(values)})")
        params.update(zip(names, self.after, strict=True))

    def order_by(self, columns: Sequence[str] | None = None) -> str:
        """ORDER BY the sort key (or equivalent expressions) and LIMIT one more than a page
        (which tells whether a next page exists; %(limit)s, see `bind`)."""
        direction = " DESC" if self.keyset.descending else ""
        return (" ORDER BY " + ", ".join(c + direction for c in columns or self.keyset.columns)
                + " LIMIT %(limit)s")

    def bind(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "limit": self.limit + 1}

    def run(self, conn: psycopg.Connection, select: str, conds: list[str],
            params: dict[str, Any], *, text_times: bool = False,
            ) -> tuple[list[Row], str | None]:
        """The page of `select` (no WHERE of its own) under conds, and the next cursor
        (text_times: see pts.search.db.fetch_all)."""
        self.resume(conds, params)
        rows = fetch(conn, select + where_sql(conds) + self.order_by(), self.bind(params),
                     text_times=text_times)
        return self.cut(rows)

    def cut(self, rows: list[Row]) -> tuple[list[Row], str | None]:
        """At most a page of rows (fetched with one more) and the cursor of the next page,
        None on the last one."""
        if len(rows) <= self.limit:
            return rows, None
        rows = rows[: self.limit]
        return rows, cursor.encode(self.secret, self.query_id, self.keyset.key(rows[-1]))

    def of(self, rows: list[Row], key: Callable[[Row], Any] | None = None,
           ) -> tuple[list[Row], str | None]:
        """The page of a list computed in full in Python (sorted by the keyset)."""
        if self.after is not None:
            after = tuple(self.after)
            get = key or (lambda r: tuple(self.keyset.key(r)))
            if self.keyset.descending:
                rows = [r for r in rows if get(r) < after]
            else:
                rows = [r for r in rows if get(r) > after]
        return self.cut(rows[: self.limit + 1])


def _fits(value: Any, cast: str) -> bool:
    """Whether PostgreSQL can cast value to cast (so a forged key is a 400, not a 500)."""
    if cast == "timestamptz":
        if not isinstance(value, str) or not _TIME.fullmatch(value):
            return False
        try:
            return datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            return False
    if cast == "bigint":
        return isinstance(value, int) and -(2**63) <= value < 2**63
    return True


def where_sql(conds: list[str]) -> str:
    """` WHERE c1 AND c2 ...`, or nothing without conditions."""
    return " WHERE " + " AND ".join(conds) if conds else ""
