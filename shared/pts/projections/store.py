"""Writing projection rows: key-set selects, upserts and replacements, one statement each
(executemany runs in pipeline mode: no round trip per row)."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg.rows import dict_row


def _in_keys(cols: Sequence[str]) -> str:
    arrays = ", ".join("%s::text[]" for _ in cols)
    return f"({', '.join(cols)}) IN (SELECT * FROM unnest({arrays}))"


def _arrays(cols: Sequence[str], keys: Sequence[tuple]) -> list[list]:
    return [[k[i] for k in keys] for i in range(len(cols))]


def select_keys(conn: psycopg.Connection, table: str, cols: Sequence[str],
                keys: Sequence[tuple]) -> list[dict]:
    """Rows of table whose cols equal one of keys, as dicts."""
    if not keys:
        return []
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT * FROM {table} WHERE {_in_keys(cols)}",
                           _arrays(cols, keys)).fetchall()


def delete_keys(conn: psycopg.Connection, table: str, cols: Sequence[str],
                keys: Sequence[tuple]) -> None:
    """Delete the rows of table whose cols equal one of keys."""
    if keys:
        conn.execute(f"DELETE FROM {table} WHERE {_in_keys(cols)}", _arrays(cols, keys))


def insert(conn: psycopg.Connection, table: str, rows: list[dict], *,
           conflict: Sequence[str] = (), touch: str | None = None) -> None:
    """Insert rows (dicts with the same keys); with conflict, update the row in place
    (and set the `touch` column to now())."""
    if not rows:
        return
    cols = list(rows[0])
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) "
           f"VALUES ({', '.join(f'%({c})s' for c in cols)})")
    if conflict:
        sets = [f"{c} = EXCLUDED.{c}" for c in cols if c not in conflict]
        if touch:
            sets.append(f"{touch} = now()")
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {', '.join(sets)}"
    with conn.cursor() as cur:
        cur.executemany(sql, rows)


def upsert(conn: psycopg.Connection, table: str, key: Sequence[str], keys: Sequence[tuple],
           rows: list[dict]) -> None:
    """Make the rows of table under keys exactly rows, one row per key: upsert the rows,
    delete the keys that have none."""
    insert(conn, table, rows, conflict=key)
    present = {tuple(r[c] for c in key) for r in rows}
    delete_keys(conn, table, key, [k for k in keys if tuple(k) not in present])


def replace(conn: psycopg.Connection, table: str, cols: Sequence[str],
            keys: Sequence[tuple], rows: list[dict]) -> None:
    """Make the rows of table under keys exactly rows."""
    delete_keys(conn, table, cols, keys)
    insert(conn, table, rows)
