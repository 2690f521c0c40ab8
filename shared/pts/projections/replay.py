"""Rebuilding projections from the log while the system runs.

Full rebuild: the projection's tables are copied empty, without keys and indexes, into a
shadow schema (CREATE TABLE ... LIKE ... INCLUDING ALL EXCLUDING INDEXES); one transaction
fills them from the whole log in sets (pts.projections.rebuild: a few SQL statements per
projection) and then builds the keys and indexes with the public tables' names and
definitions; then one swap transaction takes the projection's lock exclusively (live
handler transactions hold it shared, so they finish first and new ones wait), applies what
live handlers recorded in the meantime, drops the old tables and moves the new ones in.
Readers see the old tables or the new ones, never a half-built one.

`from_seq`: no copy; apply every log event from that seq on in place, in batches, as a live
handler would (locks included), and recompute what each touches: deliveries that never
arrived are caught up and rows the events touch are rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from pts.db import grants
from pts.db.rows import scalar
from pts.projections.engine import NotAccepted, Projection, apply, check
from pts.projections.facts import Fact, load_pairs, load_range
from pts.projections.rebuild import rebuild

Progress = Callable[[int, int], None]


@dataclass
class Replayed:
    """What a replay did: events applied, events skipped (data the catalog refuses),
    events caught up from live handling during the build."""

    applied: int = 0
    skipped: int = 0
    caught_up: int = 0


def _checked(projection: Projection, facts: list[Fact], result: Replayed) -> list[Fact]:
    good = []
    for fact in facts:
        try:
            check(projection, fact)
            good.append(fact)
        except NotAccepted:
            result.skipped += 1
    result.applied += len(good)
    return good


def _count(conn: psycopg.Connection, projection: Projection, after: int) -> int:
    with conn.transaction():
        return int(scalar(conn.execute("SELECT count(*) FROM platform_events WHERE seq > %s "
                                       "AND type = ANY(%s)", (after, list(projection.types)))))


def _use(conn: psycopg.Connection, schema: str) -> None:
    conn.execute("SELECT set_config('search_path', %s, true)", (f"{schema}, public",))


def _batches(conn: psycopg.Connection, projection: Projection, after: int, batch: int,
             progress: Progress, schema: str | None, result: Replayed,
             **apply_kw: bool) -> None:
    total, done = _count(conn, projection, after), 0
    progress(done, total)
    while True:
        with conn.transaction():
            if schema:
                _use(conn, schema)
            facts = load_range(conn, list(projection.types), after, batch)
            if not facts:
                break
            apply(conn, projection, _checked(projection, facts, result), **apply_kw)
        after, done = facts[-1].seq, done + len(facts)
        progress(min(done, total), total)


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


def _index_statements(conn: psycopg.Connection, schema: str, table: str) -> list[str]:
    """What gives the shadow copy of table the public one's keys and indexes (same names,
    same definitions)."""
    rows = conn.execute(INDEXES, (schema, table, table, schema, table)).fetchall()
    return [str(r[0]) for r in rows]


class ReplayBusy(RuntimeError):
    """Another replay of the same projection is running."""


def replay(conn: psycopg.Connection, projection: Projection, **kw: Any) -> Replayed:
    """Rebuild one projection from the log (see the module docstring), one replay of it at
    a time. conn is a plain connection outside any transaction. Keywords: from_seq, batch,
    progress(done, total), before_swap (for tests)."""
    key = f"pts.replay:{projection.name}"
    with conn.transaction():  # a session lock: it outlives the transactions below
        got = scalar(conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                  (key,)))
    if not got:
        raise ReplayBusy(f"a replay of {projection.name} is already running")
    try:
        return _replay(conn, projection, **kw)
    finally:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))


def _replay(conn: psycopg.Connection, projection: Projection, *, from_seq: int | None = None,
            batch: int = 1000, progress: Progress = lambda done, total: None,
            before_swap: Callable[[], None] | None = None) -> Replayed:
    result = Replayed()
    if from_seq is not None:
        _batches(conn, projection, from_seq - 1, batch, progress, None, result,
                 lock=True, recompute_all=True)
        return result
    schema = f"pts_replay_{projection.name}"
    with conn.transaction():
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        indexes = []
        for table in projection.tables:
            # Indexes are built once the rows are in: faster than row by row.
            conn.execute(f"CREATE TABLE {schema}.{table} "
                         f"(LIKE public.{table} INCLUDING ALL EXCLUDING INDEXES)")
            indexes += _index_statements(conn, schema, table)
    try:
        total = _count(conn, projection, 0)
        progress(0, total)
        with conn.transaction():
            # One snapshot for every statement: the events checked are the events built.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            _use(conn, schema)
            result.applied, result.skipped = rebuild(conn, projection)
            for statement in indexes:
                conn.execute(statement)
        progress(total, total)
        if before_swap:
            before_swap()
        with conn.transaction():
            _use(conn, schema)
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                         (f"pts.projection:{projection.name}",))
            handled = projection.handled_table
            missing = conn.execute(f"SELECT source, id FROM public.{handled} EXCEPT "
                                   f"SELECT source, id FROM {schema}.{handled}").fetchall()
            caught = apply(conn, projection, load_pairs(conn, missing), lock=False)
            result.caught_up = len(caught)
            for table in projection.tables:
                conn.execute(f"DROP TABLE public.{table}")
                conn.execute(f"ALTER TABLE {schema}.{table} SET SCHEMA public")
            conn.execute(f"DROP SCHEMA {schema}")
            grants.apply(conn, only=list(projection.tables))  # new tables, same grants
    except BaseException:
        with conn.transaction():
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        raise
    return result
