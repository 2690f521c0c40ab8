"""Emission in local mode: the broker's queue is in the same database as the log.

pts.eventing.emit knows sinks and gateways, not this broker; the composition root
(pts.usecases.wiring) hands these to ingest and the relay when `emit_mode` is local.
"""

from __future__ import annotations

import psycopg

from pts import eventlog
from pts.broker import queue, triggers
from pts.broker.ingress import enqueue_logged
from pts.config import Settings
from pts.domain.envelope import Envelope
from pts.domain.jsonnum import dumps
from pts.eventing.emit import Outcome

# The append, queueing each event it inserts in the local broker (by reference to its log
# row, as pts.broker.queue.ENQUEUE_LOGGED does, in seq order) and recording it as emitted,
# in the same statement. The subscribers come from a {type: [subscriber, ...]} map.
APPEND_QUEUED = eventlog.appending(f"""
, queued AS (
    {queue.QUEUE_LOGGED.format(rows="inserted ORDER BY seq")}
), deliveries AS (
    {queue.DELIVERIES.format(events="queued")}
), emitted AS (
    INSERT INTO event_emissions (seq, emitted_at, attempts, last_attempt_at)
    SELECT seq, now(), 1, now() FROM inserted
)
""", returning=", source, id, type, service")


def append_queued(conn: psycopg.Connection, events: list[Envelope], settings: Settings
                  ) -> tuple[list[int], list[str | None]]:
    """pts.eventlog.append_indexed, queueing the new events in the local broker and recording
    them as emitted in the same statement (ingest in local mode): all in one commit, nothing
    left for after it, and no emission can be lost between the two. Before, a hook did it
    with two more statements whose parameters (seq, source, id and type of every event)
    psycopg adapted one element at a time: about 15 µs an event of a worker's CPU."""
    subs = {t: triggers.matching(t, settings) for t in {e.type for e in events}}
    return eventlog.append_indexed(conn, events, statement=APPEND_QUEUED,
                                   params={"subs": dumps(subs)})


def notify_local(conn: psycopg.Connection, stored: list, settings: Settings) -> None:
    """In the ingest transaction, when no dispatcher of this process is woken after the
    commit (`broker_dispatch` off): NOTIFY the dispatchers elsewhere, when any event added
    has a subscriber."""
    if any(triggers.matching(t, settings) for t in {s.envelope.type for s in stored}):
        conn.execute(f"NOTIFY {queue.CHANNEL}")


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
