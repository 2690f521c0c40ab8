"""Refolding one (service, environment) from a point in time, not from its beginning.

A state event that arrives after newer ones changes only what follows it. The state just
before its time is read from what is stored, with one index probe each:
- state and health: the last transition of each kind before that time (transitions record
  every change, with the event's time and seq, so they are exactly the fold's history);
- image, instance, version: the last non-null value among earlier `started` events;
- version_since: the stored row's. If the window's fold changes the version, the fold sets
  it; if not, no event of the window changed it before either, so the stored value is the
  one the earlier events gave.
Then only the window's events are folded from there, and the window's transitions are
replaced.
"""

from __future__ import annotations

import psycopg

from pts.projections.facts import Fact, Key, Row, handled_facts

STARTED = "dev.pts.service.started"

BEFORE = """
SELECT st.to_value, st.at, he.to_value, he.at, v.value, im.value, ins.value
FROM (SELECT 1) one
LEFT JOIN LATERAL (
    SELECT to_value, at FROM service_transitions t
    WHERE t.service = %(s)s AND t.environment = %(e)s AND t.kind = 'state'
      AND (t.at, t.event_seq) < (%(t)s, %(q)s) ORDER BY t.at DESC, t.event_seq DESC LIMIT 1
) st ON true
LEFT JOIN LATERAL (
    SELECT to_value, at FROM service_transitions t
    WHERE t.service = %(s)s AND t.environment = %(e)s AND t.kind = 'health'
      AND (t.at, t.event_seq) < (%(t)s, %(q)s) ORDER BY t.at DESC, t.event_seq DESC LIMIT 1
) he ON true
{lasts}
"""
LAST = """
LEFT JOIN LATERAL (
    SELECT e.data->>'{name}' AS value
    FROM services_handled_events h JOIN platform_events e ON e.seq = h.seq
    WHERE h.service = %(s)s AND h.environment = %(e)s AND h.type = %(started)s
      AND (h.occurred_at, h.seq) < (%(t)s, %(q)s) AND e.data->>'{name}' IS NOT NULL
    ORDER BY h.occurred_at DESC, h.seq DESC LIMIT 1
) {alias} ON true
"""
BEFORE_SQL = BEFORE.format(lasts="".join(
    LAST.format(name=n, alias=a) for n, a in (("version", "v"), ("image", "im"),
                                             ("instance", "ins"))))


def start_before(conn: psycopg.Connection, pair: tuple[str, str], order: Key,
                 stored: Row) -> Row:
    """The environment's fold state just before `order` (event time, seq)."""
    params = {"s": pair[0], "e": pair[1], "t": order[0], "q": order[1], "started": STARTED}
    row = conn.execute(BEFORE_SQL, params).fetchone()
    assert row is not None  # one row: every join is a LEFT JOIN LATERAL
    state, state_since, health, health_since, version, image, instance = row
    return {"state": state, "state_since": state_since, "health": health,
            "health_since": health_since, "version": version, "image": image,
            "instance": instance, "version_since": stored.get("version_since")}


def window(conn: psycopg.Connection, table: str, pair: tuple[str, str], order: Key,
           types: list[str]) -> list[Fact]:
    """The pair's handled state events from `order` on, in (event time, seq) order."""
    return handled_facts(conn, table, "h.service = %s AND h.environment = %s AND "
                         "h.type = ANY(%b) AND (h.occurred_at, h.seq) >= (%s, %s)",
                         (pair[0], pair[1], types, order[0], order[1]))


def drop_transitions_from(conn: psycopg.Connection,
                          pairs_orders: list[tuple[tuple[str, str], Key]]) -> None:
    """Delete each pair's transitions at or after its window's start."""
    if pairs_orders:
        conn.execute(
            "DELETE FROM service_transitions t USING unnest(%b::text[], %b::text[], "
            "%b::timestamptz[], %b::bigint[]) AS w(s, e, at, seq) "
            "WHERE t.service = w.s AND t.environment = w.e AND (t.at, t.event_seq) >= "
            "(w.at, w.seq)",
            ([p[0] for p, _ in pairs_orders], [p[1] for p, _ in pairs_orders],
             [o[0] for _, o in pairs_orders], [o[1] for _, o in pairs_orders]))
