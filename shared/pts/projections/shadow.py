"""The shadow copy of a projection's tables that a full rebuild fills, and the swap that
moves it in.

The tables are copied empty, without keys and indexes, into schema pts_replay_<name>
(CREATE TABLE ... LIKE ... INCLUDING ALL EXCLUDING INDEXES: indexes are built once the rows
are in, faster than row by row); the statements that give them the public tables' keys and
indexes (same names, same definitions) are read from the catalog at the same time. The swap
takes the projection's lock exclusively (live handler transactions hold it shared, so they
finish first and new ones wait), applies what live handlers recorded meanwhile, drops the
old tables and moves the new ones in: readers see the old tables or the new ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from pts.db import grants
from pts.projections.engine import Projection, apply
from pts.projections.facts import load_pairs

INDEXES = """
SELECT format('ALTER TABLE %%I.%%I ADD CONSTRAINT %%I %%s', %s::text, %s::text, c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint c WHERE c.conrelid = format('public.%%I', %s::text)::regclass
  AND c.contype IN ('p', 'u', 'x')
UNION ALL
SELECT replace(pg_get_indexdef(i.indexrelid), ' ON public.', format(' ON %%I.', %s::text))
FROM pg_index i WHERE i.indrelid = format('public.%%I', %s::text)::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                  AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
"""


@dataclass
class Shadow:
    """A projection's shadow schema and the statements that index its tables."""

    projection: Projection
    schema: str
    indexes: list[str] = field(default_factory=list)


def _index_statements(conn: psycopg.Connection, schema: str, table: str) -> list[str]:
    rows = conn.execute(INDEXES, (schema, table, table, schema, table)).fetchall()
    return [str(r[0]) for r in rows]


def create(conn: psycopg.Connection, projection: Projection) -> Shadow:
    """(Re)create the projection's empty shadow tables, in the caller's transaction."""
    shadow = Shadow(projection, f"pts_replay_{projection.name}")
    conn.execute(f"DROP SCHEMA IF EXISTS {shadow.schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {shadow.schema}")
    for table in projection.tables:
        conn.execute(f"CREATE TABLE {shadow.schema}.{table} "
                     f"(LIKE public.{table} INCLUDING ALL EXCLUDING INDEXES)")
        shadow.indexes += _index_statements(conn, shadow.schema, table)
    return shadow


def drop(conn: psycopg.Connection, shadow: Shadow) -> None:
    """Drop the shadow schema, if it is still there (in the caller's transaction)."""
    conn.execute(f"DROP SCHEMA IF EXISTS {shadow.schema} CASCADE")


def swap(conn: psycopg.Connection, shadow: Shadow) -> int:
    """In the caller's transaction: catch up what live handlers did since the build, then
    move the shadow tables in place of the public ones; returns the events caught up."""
    projection, schema = shadow.projection, shadow.schema
    conn.execute("SELECT set_config('search_path', %s, true)", (f"{schema}, public",))
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                 (f"pts.projection:{projection.name}",))
    handled = projection.handled_table
    missing = conn.execute(f"SELECT source, id FROM public.{handled} EXCEPT "
                           f"SELECT source, id FROM {schema}.{handled}").fetchall()
    caught = apply(conn, projection, load_pairs(conn, missing), lock=False)
    for table in projection.tables:
        conn.execute(f"DROP TABLE public.{table}")
        conn.execute(f"ALTER TABLE {schema}.{table} SET SCHEMA public")
    conn.execute(f"DROP SCHEMA {schema}")
    grants.apply(conn, only=list(projection.tables))  # new tables, same grants
    return len(caught)
