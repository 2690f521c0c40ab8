"""How every handler applies events: record, then recompute what they touch.

A projection is a function of the set of events its handler has handled: applying events
records each (source, id) in the handler's handled-events table, in the same transaction,
and then recomputes every row those events touch from all the handled events of that row's
key, merged in (event time, seq) order. So any order and any repetition of the same events
gives the same tables as an in-order replay, and a repeat changes nothing.

Concurrency: each transaction takes a shared lock on its projection (`pts replay` takes it
exclusively to swap tables in) and then an exclusive lock per key it touches, in one order,
so two deliveries for the same deployment, service or image run one after the other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import psycopg
from pydantic import ValidationError

from pts.domain.catalog import CATALOG
from pts.projections.facts import Fact, Key, seq_array

COMMON = ("source", "id", "seq", "occurred_at", "type")


class NotAccepted(Exception):
    """An event this handler can never accept (4xx: not retried, dead-lettered)."""

    def __init__(self, detail: str, field: str = "type"):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class Projection:
    """One handler's projection. Subclasses name their types and tables and recompute."""

    name: str = ""
    types: tuple[str, ...] = ()
    handled_table: str = ""
    handled_columns: tuple[str, ...] = ()  # text columns besides COMMON
    # The same values as handled_row, as SQL over the log row `e` (platform_events), with
    # any joins they need: the handled rows are written from the log by PostgreSQL.
    handled_sql: tuple[str, ...] = ()
    handled_joins: str = ""
    tables: tuple[str, ...] = ()  # every table of the projection, the handled one included

    def handled_row(self, fact: Fact) -> Key:
        """Values of handled_columns for one event: the keys it touches (handled_sql says
        the same in SQL; tests/projections/test_handled_rows.py holds them equal)."""
        raise NotImplementedError

    def lock_keys(self, fact: Fact) -> Iterable[str]:
        """Names of the keys an event touches; locked before anything is read."""
        raise NotImplementedError

    def recompute(self, conn: psycopg.Connection, facts: list[Fact], *,
                  again: bool = False) -> None:
        """Rebuild every row these events touch from all handled events. again: they were
        handled before (so no shortcut may assume they are new)."""
        raise NotImplementedError


def check(projection: Projection, fact: Fact) -> None:
    """NotAccepted unless the projection takes the event's type and its data is valid."""
    if fact.type not in projection.types:
        raise NotAccepted(f"the {projection.name} handler does not take {fact.type} events")
    if not isinstance(fact.data, dict):
        raise NotAccepted(f"{fact.type} needs a JSON object as data", "data")
    try:
        CATALOG[fact.type].model_validate(fact.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise NotAccepted(
            f"the stored data does not fit {fact.type}: {first['msg']}",
            "data." + ".".join(str(p) for p in first["loc"]),
        ) from None


def _lock(conn: psycopg.Connection, projection: Projection, facts: list[Fact]) -> None:
    keys = sorted({k for f in facts for k in projection.lock_keys(f)})
    # One statement: the projection's lock first (a CTE runs before the outer query reads
    # it), then the keys' in hash order, the same in every transaction.
    conn.execute(
        "WITH p AS (SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))) "
        "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT hashtextextended(k, 0) AS h "
        "FROM p, jsonb_array_elements_text(%s::jsonb) AS k ORDER BY 1) AS keys",
        (f"pts.projection:{projection.name}", json.dumps(keys)),
    )


def apply(
    conn: psycopg.Connection,
    projection: Projection,
    facts: list[Fact],
    *,
    lock: bool = True,
    recompute_all: bool = False,
) -> list[Fact]:
    """Apply checked events inside the caller's transaction; returns those not handled
    before (the others are repeats, acknowledged without acting). recompute_all also
    recomputes what the repeats touch (`pts replay --from`)."""
    # In log order: concurrent transactions insert their handled rows in the same order
    # (events that take no key lock could otherwise deadlock on a repeated delivery).
    unique = sorted({(f.source, f.id): f for f in facts}.values(), key=lambda f: f.seq)
    if not unique:
        return []
    if lock:
        _lock(conn, projection, unique)
    # PostgreSQL writes the handled rows from the log rows themselves (found by seq, the
    # primary key; sent as one array literal): building and encoding them in Python cost
    # more than a tenth of a batch's Python time.
    inserted = conn.execute(
        f"INSERT INTO {projection.handled_table} "
        f"({', '.join(COMMON + projection.handled_columns)}) "
        f"SELECT e.source, e.id, e.seq, e.occurred_at, e.type, "
        f"{', '.join(projection.handled_sql)} FROM platform_events e {projection.handled_joins}"
        " WHERE e.seq = ANY(%s::bigint[]) ORDER BY e.seq "
        "ON CONFLICT (seq) DO NOTHING RETURNING seq",
        (seq_array(unique),),
    ).fetchall()
    new_seqs = {r[0] for r in inserted}
    new = [f for f in unique if f.seq in new_seqs]
    if recompute_all:
        projection.recompute(conn, unique, again=True)
    elif new:
        projection.recompute(conn, new)
    return new
