"""Writing projection rows: key-set selects, upserts and replacements, one statement each
(the rows of an insert travel as one JSON array: no statement per row)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from pts.projections.facts import Key, Row


def _in_keys(cols: Sequence[str]) -> str:
    arrays = ", ".join("%b::text[]" for _ in cols)
    return f"({', '.join(cols)}) IN (SELECT * FROM unnest({arrays}))"


def _arrays(cols: Sequence[str], keys: Sequence[Key]) -> list[list[Any]]:
    return [[k[i] for k in keys] for i in range(len(cols))]


def select_keys(conn: psycopg.Connection, table: str, cols: Sequence[str],
                keys: Sequence[Key]) -> list[Row]:
    """Rows of table whose cols equal one of keys, as dicts."""
    if not keys:
        return []
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT * FROM {table} WHERE {_in_keys(cols)}",
                           _arrays(cols, keys)).fetchall()


def delete_keys(conn: psycopg.Connection, table: str, cols: Sequence[str],
                keys: Sequence[Key]) -> None:
    """Delete the rows of table whose cols equal one of keys."""
    if keys:
        conn.execute(f"DELETE FROM {table} WHERE {_in_keys(cols)}", _arrays(cols, keys))


def insert(conn: psycopg.Connection, table: str, rows: list[Row], *,
           conflict: Sequence[str] = (), touch: str | None = None) -> None:
    """Insert rows (dicts with the same keys); with conflict, update the row in place
    (and set the `touch` column to now())."""
    if not rows:
        return
    cols = ", ".join(rows[0])
    # One statement for the whole set: the rows travel as one JSON array, typed by the
    # table's own row type (a statement per row, even pipelined, cost a batch far more).
    sql = (f"INSERT INTO {table} ({cols}) SELECT {cols} "
           f"FROM jsonb_populate_recordset(NULL::{table}, %s)")
    if conflict:
        sets = [f"{c} = EXCLUDED.{c}" for c in rows[0] if c not in conflict]
        if touch:
            sets.append(f"{touch} = now()")
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {', '.join(sets)}"
    conn.execute(sql, (Jsonb(rows, dumps=_dumps),))


class _Stamps(dict[object, str]):
    """datetime -> isoformat, filled as the encoder meets them: a batch's rows repeat the
    same times (a row's `*_since` and its transitions' `at` are one event's time; a seen
    time is another row's), and isoformat of an aware datetime costs about 1.4 us. Equal
    aware datetimes are one instant, whatever their offsets: the same timestamptz (every
    projection column holding a time is one)."""

    def __missing__(self, value: object) -> str:
        # datetime.isoformat itself: anything else (a date, a Decimal) raises TypeError,
        # as the encoder's default must.
        text = self[value] = datetime.isoformat(value)  # type: ignore[arg-type]
        return text


def _dumps(obj: object) -> str:
    # The memo's C __getitem__ as the fallback: no Python frame for a time already met.
    return json.dumps(obj, default=_Stamps().__getitem__)


def upsert(conn: psycopg.Connection, table: str, key: Sequence[str], keys: Sequence[Key],
           rows: list[Row]) -> None:
    """Make the rows of table under keys exactly rows, one row per key: upsert the rows,
    delete the keys that have none."""
    insert(conn, table, rows, conflict=key)
    values = itemgetter(*key)
    present = {values(r) if len(key) > 1 else (values(r),) for r in rows}
    delete_keys(conn, table, key, [k for k in keys if tuple(k) not in present])


def replace(conn: psycopg.Connection, table: str, cols: Sequence[str],
            keys: Sequence[Key], rows: list[Row]) -> None:
    """Make the rows of table under keys exactly rows."""
    delete_keys(conn, table, cols, keys)
    insert(conn, table, rows)
