"""Read-only database access for the search API: one pooled connection per request, each
batch of statements read-only with a statement timeout, in one round trip, rows as dicts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pts.config import Settings
from pts.db.pool import get_pool
from pts.db.rows import fetch as fetch_plain
from pts.domain.timefmt import format_rfc3339
from pts.http.problem import Problem

__all__ = ["fetch", "fetch_all", "reading", "times"]

Rows = list[dict[str, Any]]
Statement = tuple[Any, Any]  # (sql, params)

# The connection `reading` lent this thread, and the setup its batches start with.
_current: ContextVar[tuple[psycopg.Connection, str] | None] = ContextVar("pts_search_reading",
                                                                          default=None)


def _setup(timeout_ms: int) -> str:
    # A literal, not a parameter: the same text for every request, so it is prepared once
    # per connection (the timeout is a setting, an integer).
    return ("SELECT set_config('transaction_read_only', 'on', true), "
            f"set_config('statement_timeout', '{int(timeout_ms)}', true)")


@contextmanager
def reading(settings: Settings) -> Iterator[psycopg.Connection]:
    """A connection whose reads (`fetch`, `fetch_all`) are read-only and bounded by the
    search statement timeout. A query that runs out of time answers 503, not 500."""
    with get_pool(settings).connection() as conn:
        # Autocommit: no BEGIN and no COMMIT of our own. Each batch is the setup and its
        # statements up to one Sync: PostgreSQL runs them as one implicit transaction (the
        # setup's settings hold for them), committed at the Sync, so a batch costs one
        # round trip (a one-statement request: one, where BEGIN/COMMIT in a pipeline
        # cost three).
        conn.autocommit = True
        token = _current.set((conn, _setup(settings.search_statement_timeout_ms)))
        try:
            yield conn
        except psycopg.errors.QueryCanceled:
            raise Problem(503, "the query took too long; narrow the filters and retry",
                          headers={"Retry-After": "1"}) from None
        finally:
            _current.reset(token)
            # As the pool's other users expect it (a broken connection refuses: the pool
            # discards it anyway).
            with suppress(psycopg.Error):
                conn.autocommit = False


def fetch_all(conn: psycopg.Connection, statements: Sequence[Statement]) -> list[Rows]:
    """The rows of each statement, sent together: in one round trip, and one read-only
    transaction, on a connection `reading` lent; one after the other on any other."""
    current = _current.get()
    if current is None or current[0] is not conn:
        return [fetch_plain(conn, sql, params) for sql, params in statements]
    cursors = []
    with conn.pipeline():
        conn.execute(current[1], prepare=True)
        for sql, params in statements:
            cur = conn.cursor(row_factory=dict_row)
            cur.execute(sql, params)
            cursors.append(cur)
    return [cur.fetchall() for cur in cursors]


def fetch(conn: psycopg.Connection, sql: Any, params: Any = None) -> Rows:
    """Every row of a parameterised query, as dicts (read-only under `reading`)."""
    return fetch_all(conn, [(sql, params)])[0]


def times(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """row with the named datetime columns as RFC 3339 UTC strings."""
    for name in names:
        if name in row:
            row[name] = format_rfc3339(row[name])
    return row
