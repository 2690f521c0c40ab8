"""Emission in local mode: the broker's queue is in the same database as the log.

pts.eventing.emit knows sinks and gateways, not this broker; the composition root
(pts.usecases.wiring) hands these two to ingest and the relay when `emit_mode` is local.
"""

from __future__ import annotations

import psycopg

from pts.broker.ingress import enqueue_logged
from pts.config import Settings
from pts.eventing.emit import Outcome

RECORD_EMITTED = ("INSERT INTO event_emissions (seq, emitted_at, attempts, last_attempt_at) "
                  "SELECT unnest(%s::bigint[]), now(), 1, now()")


def record_local(conn: psycopg.Connection, stored: list, settings: Settings) -> None:
    """In the ingest transaction: queue the new events in the local broker and record them as
    emitted, all in one commit. Nothing is left for after the commit, and no emission can be
    lost between the two. The queue refers to the log rows (no copy of the events)."""
    if not stored:
        return
    # No NOTIFY when this process runs a dispatcher: ingest wakes it after the commit.
    enqueue_logged(conn, [(s.seq, s.envelope.source, s.envelope.id, s.envelope.type)
                          for s in stored], settings, notify=not settings.broker_dispatch)
    conn.execute(RECORD_EMITTED, ([s.seq for s in stored],))


def send_local(pool, events: list[tuple[int, dict]], settings: Settings) -> list[Outcome]:
    """What POST /broker would do, without an HTTP round trip to this same server (whose
    threads may all be busy with ingest requests waiting on it)."""
    try:
        with pool.connection() as conn, conn.transaction():
            enqueue_logged(conn, [(seq, e["source"], e["id"], e["type"]) for seq, e in events],
                           settings)
    except Exception as exc:  # noqa: BLE001 - recorded; the relay tries again
        return [Outcome(seq, False, f"local broker: {exc}") for seq, _ in events]
    return [Outcome(seq, True) for seq, _ in events]
