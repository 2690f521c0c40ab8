"""What the local broker keeps, and what an operator asks of it: the backlog per subscriber,
and pruning of finished work so that broker_events and broker_deliveries stay small.

A delivery is finished when it is `delivered` or `dead_lettered` (its event is then a row of
dead_letters too). `failed` deliveries (no dead-letter sink) are kept for inspection. An
event goes when no delivery of it is left. The log (platform_events) is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

BACKLOG = """
SELECT subscriber, count(*), extract(epoch FROM now() - min(created_at))::float8
FROM broker_deliveries WHERE status = 'pending' GROUP BY subscriber ORDER BY subscriber
"""

# Finished deliveries older than keep, then the events left with no delivery at all. The
# second statement sees the first's deletes (separate statements in one transaction).
PRUNE_DELIVERIES = """
DELETE FROM broker_deliveries WHERE id IN (
    SELECT id FROM broker_deliveries
    WHERE status IN ('delivered', 'dead_lettered')
      AND finished_at < now() - make_interval(secs => %(keep)s)
    LIMIT %(limit)s)
"""
PRUNE_EVENTS = """
DELETE FROM broker_events WHERE id IN (
    SELECT e.id FROM broker_events e
    WHERE e.received_at < now() - make_interval(secs => %(keep)s)
      AND NOT EXISTS (SELECT 1 FROM broker_deliveries d WHERE d.event_id = e.id)
    LIMIT %(limit)s)
"""


@dataclass(frozen=True)
class Backlog:
    """Pending deliveries of one subscriber, and the age of the oldest, in seconds."""

    subscriber: str
    pending: int
    oldest_seconds: float


def backlog(conn: psycopg.Connection) -> list[Backlog]:
    """Pending deliveries per subscriber (dead-letter deliveries under the trigger's name)."""
    return [Backlog(*row) for row in conn.execute(BACKLOG).fetchall()]


def prune(conn: psycopg.Connection, keep_seconds: float, limit: int = 20_000) -> tuple[int, int]:
    """Delete finished deliveries older than keep_seconds and the events left without one,
    at most limit of each; returns (deliveries, events) deleted. Call in a transaction."""
    params = {"keep": keep_seconds, "limit": limit}
    deliveries = conn.execute(PRUNE_DELIVERIES, params).rowcount
    events = conn.execute(PRUNE_EVENTS, params).rowcount
    return deliveries, events
