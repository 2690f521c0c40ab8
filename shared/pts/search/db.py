"""Read-only database access for the search API: one pooled connection per request, every
statement read-only with a statement timeout, each batch of statements in one round trip,
rows as dicts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import psycopg
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.rows import dict_row
from psycopg.types.datetime import TimestamptzLoader

from pts.config import Settings
from pts.db.pool import get_pool
from pts.domain.timefmt import format_rfc3339
from pts.http.problem import Problem

__all__ = ["fetch", "fetch_all", "lending", "reading", "times"]

Rows = list[dict[str, Any]]
Statement = tuple[Any, Any]  # (sql, params)

# The connection `reading` lent this thread, and the setup its batches start with.
_current: ContextVar[tuple[psycopg.Connection, str] | None] = ContextVar("pts_search_reading",
                                                                          default=None)
# A connection `reading` uses instead of the pool's (pts.search.warm, on a new connection).
_lent: ContextVar[psycopg.Connection | None] = ContextVar("pts_search_lent", default=None)


def _setup(timeout_ms: int) -> str:
    # A literal, not a parameter: the same text for every request, so it is prepared once
    # per connection (the timeout is a setting, an integer).
    return ("SELECT set_config('transaction_read_only', 'on', true), "
            f"set_config('statement_timeout', '{int(timeout_ms)}', true)")


@contextmanager
def reading(settings: Settings, *, batched: bool = False) -> Iterator[psycopg.Connection]:
    """A connection whose reads are read-only and bounded by the search statement timeout.
    A query that runs out of time answers 503, not 500.

    batched: every statement of the block goes through `fetch` / `fetch_all` (this
    module's), each call one round trip (the setup, its statements and a Sync, in
    autocommit: PostgreSQL runs them as one implicit transaction, so the setup's settings
    hold for them, committed at the Sync). Otherwise (code that runs its own statements,
    such as pts.insights) the whole block is one read-only transaction, BEGIN and the
    setup sent with its first statement, COMMIT at the end."""
    setup = _setup(settings.search_statement_timeout_ms)
    lent = _lent.get()
    source: AbstractContextManager[psycopg.Connection] = (
        get_pool(settings).connection() if lent is None else nullcontext(lent))
    with source as conn:
        try:
            if batched:
                with _batched(conn, setup):
                    yield conn
            else:
                with conn.pipeline():
                    conn.execute(setup, prepare=True)
                    yield conn
                    conn.commit()
        except psycopg.errors.QueryCanceled:
            raise Problem(503, "the query took too long; narrow the filters and retry",
                          headers={"Retry-After": "1"}) from None


@contextmanager
def lending(conn: psycopg.Connection) -> Iterator[None]:
    """Within the block, `reading` (in this thread) uses conn rather than the pool's."""
    token = _lent.set(conn)
    try:
        yield
    finally:
        _lent.reset(token)


@contextmanager
def _batched(conn: psycopg.Connection, setup: str) -> Iterator[None]:
    conn.autocommit = True  # no BEGIN and no COMMIT of our own
    token = _current.set((conn, setup))
    try:
        yield
    finally:
        _current.reset(token)
        # As the pool's other users expect it (a broken connection refuses: the pool
        # discards it anyway).
        with suppress(psycopg.Error):
            conn.autocommit = False


class TextTimeLoader(Loader):
    """timestamptz read straight as the answer's text (format_rfc3339's: UTC, microseconds
    when present, `Z`): a page's times cost a few string operations each, not a datetime
    built by psycopg and formatted again in Python."""

    def __init__(self, oid: int, context: AdaptContext | None = None):
        super().__init__(oid, context)
        self._slow = TimestamptzLoader(oid, context)

    def load(self, data: Buffer) -> str:
        text = bytes(data).decode()
        # PostgreSQL's ISO output in UTC: `2026-11-27 09:00:00.5+00` (fraction trimmed).
        if len(text) >= 22 and text[10] == " " and text[4] == "-" and text.endswith("+00"):
            if len(text) == 22:
                return f"{text[:10]}T{text[11:19]}Z"
            if text[19] == ".":
                return f"{text[:10]}T{text[11:19]}.{text[20:-3]:0<6}Z"
        # Another time zone or date style: as psycopg reads it, formatted as ever.
        return format_rfc3339(self._slow.load(data)) or ""


def fetch_all(conn: psycopg.Connection, statements: Sequence[Statement], *,
              text_times: bool = False) -> list[Rows]:
    """The rows of each statement, sent together: in one round trip, and one read-only
    transaction, on a connection `reading(batched=True)` lent; one after the other on any
    other.
    text_times: timestamptz columns come as the answer's RFC 3339 text, not datetimes."""
    current = _current.get()
    if current is None or current[0] is not conn:
        return [_rows(_cursor(conn, text_times), sql, params) for sql, params in statements]
    cursors = []
    with conn.pipeline():
        conn.execute(current[1], prepare=True)
        for sql, params in statements:
            cur = _cursor(conn, text_times)
            cur.execute(sql, params)
            cursors.append(cur)
    return [cur.fetchall() for cur in cursors]


def _cursor(conn: psycopg.Connection, text_times: bool) -> psycopg.Cursor[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    if text_times:
        cur.adapters.register_loader("timestamptz", TextTimeLoader)
    return cur


def _rows(cur: psycopg.Cursor[dict[str, Any]], sql: Any, params: Any) -> Rows:
    with cur:
        cur.execute(sql, params)
        return cur.fetchall()


def fetch(conn: psycopg.Connection, sql: Any, params: Any = None, *,
          text_times: bool = False) -> Rows:
    """Every row of a parameterised query, as dicts (read-only under `reading`)."""
    return fetch_all(conn, [(sql, params)], text_times=text_times)[0]


def times(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """row with the named datetime columns as RFC 3339 UTC strings (those read with
    text_times already are)."""
    for name in names:
        value = row.get(name)
        if isinstance(value, datetime):
            row[name] = format_rfc3339(value)
    return row
