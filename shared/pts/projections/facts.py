"""Reading the log as handlers see it: a Fact is one stored event, the authoritative copy.

Live deliveries and `pts replay` both read the events from platform_events, so both see
exactly the same input (seq, occurred_at, data), whatever the broker delivered.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

import psycopg

Row = dict[str, Any]  # a table row, or a fold's state, by column
Key = tuple[Any, ...]  # a key's values, or an (event time, seq) order

COLUMNS = "e.seq, e.source, e.id, e.type, e.occurred_at, e.data"


class Fact(NamedTuple):
    """One stored event. A named tuple, not a frozen dataclass: a batch builds one per
    event read (more than one for the deployments handler), and a frozen dataclass's
    __init__ cost about 3 us each against 0.5 us."""

    seq: int
    source: str
    id: str
    type: str
    occurred_at: datetime
    data: Any

    @property
    def order(self) -> tuple[datetime, int]:
        """Event time, then sequence: the order every projection merges by."""
        return (self.occurred_at, self.seq)

    @property
    def kind(self) -> str:
        """The last part of the type: `started` for dev.pts.deployment.started."""
        return self.type.rsplit(".", 1)[-1]

    def get(self, name: str) -> Any:
        return self.data.get(name) if isinstance(self.data, dict) else None


def _facts(rows: list[tuple[Any, ...]]) -> list[Fact]:
    # Rows of COLUMNS as Facts by tuple.__new__ itself: the named tuple's generated __new__
    # (a Python frame per row) cost 0.3 to 0.4 us a row against 0.13.
    new = tuple.__new__
    return [new(Fact, r) for r in rows]


def seq_array(facts: list[Fact]) -> str:
    """The facts' seqs as one PostgreSQL array literal (`%s::bigint[]`): joining them is
    cheaper than psycopg's array adaptation, which handles each element in Python."""
    return "{" + ",".join([str(f.seq) for f in facts]) + "}"


def load_one(conn: psycopg.Connection, source: str, id_: str) -> Fact | None:
    """The stored event with this (source, id), or None."""
    row = conn.execute(
        f"SELECT {COLUMNS} FROM platform_events e WHERE e.source = %s AND e.id = %s",
        (source, id_),
    ).fetchone()
    return Fact(*row) if row else None


def load_pairs(conn: psycopg.Connection, pairs: list[tuple[str, str]]) -> list[Fact]:
    """The stored events of many (source, id) pairs, in one statement."""
    if not pairs:
        return []
    # One JSON array of [source, id] (json's C encoder; psycopg quotes a text array's
    # elements one by one in Python).
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM platform_events e "
        "JOIN (SELECT p->>0 AS source, p->>1 AS id FROM jsonb_array_elements(%s::jsonb) p) p "
        "ON e.source = p.source AND e.id = p.id ORDER BY e.seq",
        (json.dumps(pairs),),
    ).fetchall()
    return _facts(rows)


def load_range(conn: psycopg.Connection, types: list[str], after: int, limit: int) -> list[Fact]:
    """Up to limit events of these types with seq > after, in log order."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM platform_events e "
        "WHERE e.seq > %s AND e.type = ANY(%s) ORDER BY e.seq LIMIT %s",
        (after, types, limit),
    ).fetchall()
    return _facts(rows)


def handled_facts(
    conn: psycopg.Connection, table: str, where: str, params: Key
) -> list[Fact]:
    """The events a handler has handled (its handled-events table `table`, aliased h) that
    match `where`, in (event time, seq) order."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM {table} h JOIN platform_events e ON e.seq = h.seq "
        f"WHERE {where} ORDER BY e.occurred_at, e.seq",
        params,
    ).fetchall()
    return _facts(rows)


# Per deployment id, its handled events then their log rows, each an index probe: the
# subqueries are kept apart (OFFSET 0) so that the plan does not depend on statistics. On a
# young database (autovacuum had not analyzed the tables yet) `h.deployment_id = ANY(...)`
# was planned as a hash join over the whole log: 30 to 60 ms a batch, growing with the log.
BY_DEPLOYMENTS = f"""
SELECT {COLUMNS} FROM unnest(%b::text[]) AS k(deployment_id)
CROSS JOIN LATERAL (SELECT h.seq FROM {{table}} h
                    WHERE h.deployment_id = k.deployment_id OFFSET 0) h
CROSS JOIN LATERAL (SELECT * FROM platform_events e WHERE e.seq = h.seq OFFSET 0) e
{{only}}
ORDER BY e.occurred_at, e.seq
"""
# Only deployments one of whose events names an image (the images handler's runs).
IMAGED = """WHERE EXISTS (
    SELECT 1 FROM {table} x
    CROSS JOIN LATERAL (SELECT 1 FROM platform_events y
                        WHERE y.seq = x.seq AND y.data->>'image' <> '' OFFSET 0) y
    WHERE x.deployment_id = k.deployment_id OFFSET 0)"""


def handled_by_deployments(conn: psycopg.Connection, table: str, ids: list[str], *,
                           imaged: bool = False) -> list[Fact]:
    """handled_facts of these deployments (`h.deployment_id = ANY(ids)`), in (event time,
    seq) order; imaged: only of those deployments one of whose events names an image."""
    only = IMAGED.format(table=table) if imaged else ""
    rows = conn.execute(BY_DEPLOYMENTS.format(table=table, only=only),
                        (sorted(set(ids)),)).fetchall()
    return _facts(rows)
