"""Reading single values back from queries."""

from __future__ import annotations

from typing import Any

import psycopg


def scalar(cur: psycopg.Cursor[Any]) -> Any:
    """The first column of the first row of an executed query (an aggregate's one row);
    LookupError when the query returned no row, rather than indexing None."""
    row = cur.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row[0]
