"""Read-only database access for the search API: one pooled connection per request, in a
read-only transaction with a statement timeout, rows as dicts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from pts.config import Settings
from pts.db.pool import get_pool
from pts.db.rows import fetch
from pts.domain.timefmt import format_rfc3339
from pts.http.problem import Problem

__all__ = ["fetch", "reading", "times"]  # fetch: pts.db.rows's, for the search modules

_SETUP = ("SELECT set_config('transaction_read_only', 'on', true), "
          "set_config('statement_timeout', %s, true)")


@contextmanager
def reading(settings: Settings) -> Iterator[psycopg.Connection]:
    """A connection in a read-only transaction bounded by the search statement timeout.
    A query that runs out of time answers 503 (narrow the filters), not 500."""
    # One pipeline for the whole transaction: BEGIN and the setup travel with the first
    # query, COMMIT with the pipeline's last sync (a one-query request: two round trips).
    with get_pool(settings).connection() as conn, conn.pipeline():
        conn.execute(_SETUP, [str(settings.search_statement_timeout_ms)])
        try:
            yield conn
        except psycopg.errors.QueryCanceled:
            raise Problem(503, "the query took too long; narrow the filters and retry",
                          headers={"Retry-After": "1"}) from None
        conn.commit()


def times(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """row with the named datetime columns as RFC 3339 UTC strings."""
    for name in names:
        if name in row:
            row[name] = format_rfc3339(row[name])
    return row
