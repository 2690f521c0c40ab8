"""Reading rows and single values back from queries."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row


def scalar(cur: psycopg.Cursor[Any]) -> Any:
    """The first column of the first row of an executed query (an aggregate's one row);
    LookupError when the query returned no row, rather than indexing None."""
    row = cur.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row[0]


def fetch(conn: psycopg.Connection, query: Any, params: Any = None) -> list[dict[str, Any]]:
    """Every row of a parameterised query, as dicts."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()
