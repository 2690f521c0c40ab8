"""The broker's durable queue in PostgreSQL: enqueue, claim with a lease, record outcomes.

A claim increments `attempts` and moves `next_attempt_at` past the attempt's timeout: that is
the lease. A process killed mid-delivery leaves the row pending; it is delivered again when the
lease runs out, or at once when `pts up` starts again (`resume`). Claims use
FOR UPDATE SKIP LOCKED, so any number of dispatchers share the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import psycopg

from pts.cloudevents.event import to_json
from pts.config import Settings, get_settings
from pts.db.rows import scalar
from pts.domain.jsonnum import dumps
from pts.eventing.emit import outgoing

CHANNEL = "pts_broker"

# The deliveries of the events a data-modifying CTE `events` inserted (its RETURNING id,
# subscribers): one per subscriber.
DELIVERIES = """INSERT INTO broker_deliveries (event_id, subscriber, part_key)
SELECT id, unnest(subscribers), part_key FROM {events}"""

# An event's partition key: a hash of the service it names (the log row's `service`),
# non-negative, 0 for none. The in-process batches of a handler are split by ranges of it
# (lock_due): one service's deliveries always fall in one partition.
PART_KEY = "coalesce(hashtext({service}) & 2147483647, 0)"
KEYS = 2**31  # part_key lies in [0, KEYS)

ENQUEUE = f"""
WITH ev AS (
    INSERT INTO broker_events (ce_source, ce_id, ce_type, event, subscribers, part_key)
    SELECT r.event->>'source', r.event->>'id', r.event->>'type', r.event, r.subscribers,
           {PART_KEY.format(service="CASE jsonb_typeof(r.event->'data'->'service') "
                                    "WHEN 'string' THEN r.event->'data'->>'service' END")}
    FROM jsonb_to_recordset(%s::jsonb) AS r(event jsonb, subscribers text[])
    RETURNING id, subscribers, part_key
)
{DELIVERIES.format(events="ev")}
"""

# Events of the log (queued by ingest or the relay in local mode) by reference: the log row's
# seq and identity, no copy of the event (ingest built, encoded and PostgreSQL stored a full
# jsonb copy of every event, which the in-process handlers never read). Subscribers come
# from a {type: [subscriber, ...]} map: one entry per distinct type of the batch. `rows`
# has columns seq, source, id, type and service (ingest's append in local mode reads its own
# inserted rows: pts.broker.emission; the relay's are looked up in the log).
QUEUE_LOGGED = """INSERT INTO broker_events (ce_source, ce_id, ce_type, seq, subscribers,
                               part_key)
    SELECT source, id, type, seq,
           ARRAY(SELECT jsonb_array_elements_text(%(subs)s::jsonb -> type)),
           """ + PART_KEY.format(service="service") + """
    FROM {rows}
    RETURNING id, subscribers, part_key"""
ENQUEUE_LOGGED = f"""
WITH ev AS (
    {QUEUE_LOGGED.format(rows="(SELECT u.*, p.service FROM unnest(%(seq)s::bigint[], "
                              "%(source)s::text[], %(id)s::text[], %(type)s::text[]) "
                              "AS u(seq, source, id, type) "
                              "LEFT JOIN platform_events p ON p.seq = u.seq) AS u")}
)
{DELIVERIES.format(events="ev")}
"""

# The log row's columns come along for an event stored by reference (a LEFT JOIN: a copy has
# no seq); claim() builds the emitted form from them, as the relay does.
LOG_COLUMNS = ("seq", "id", "source", "type", "specversion", "subject", "time",
               "datacontenttype", "dataschema", "extensions", "data", "data_base64")
CLAIM = f"""
UPDATE broker_deliveries d SET
    attempts = d.attempts + 1, claimed_by = %(run)s,
    next_attempt_at = now() + make_interval(secs => %(lease)s)
FROM (SELECT id FROM broker_deliveries
      WHERE status = 'pending' AND next_attempt_at <= now()
        AND (%(only)s::text IS NULL OR (kind = 'trigger' AND subscriber = %(only)s))
        AND (kind <> 'trigger' OR subscriber <> ALL(%(skip)s::text[]))
      ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) c,
     broker_events e LEFT JOIN platform_events p ON p.seq = e.seq
WHERE d.id = c.id AND e.id = d.event_id
RETURNING d.id, d.event_id, d.kind, d.subscriber, d.attempts, d.error_dest, d.error_code,
          d.error_data, e.event, {", ".join("p." + c for c in LOG_COLUMNS)}
"""

# An in-process batch locks its deliveries in its own transaction instead of leasing them:
# no claim UPDATE (a new version of each row, four index entries) and no second transaction.
# Its delivered marks count the attempt. A process that dies mid-batch leaves them pending
# and due: the lock goes with its connection. It reads the events' identity only (source,
# id, type, ptsseq: the log's seq for an event stored by reference): the handler reads the
# stored event from the log (decoding every event's JSON was a quarter of the dispatcher's
# time under batches). The columns are _slim's, then how long the delivery has been due.
LOCKED_COLUMNS = """
SELECT d.id, d.event_id, d.kind, d.subscriber, d.attempts + 1, d.error_dest, d.error_code,
       d.error_data, e.ce_source, e.ce_id, e.ce_type,
       coalesce(e.seq::text, e.event->>'ptsseq'),
       extract(epoch FROM now() - d.next_attempt_at)::float8
"""
LOCK_DUE = LOCKED_COLUMNS + """FROM broker_deliveries d JOIN broker_events e ON e.id = d.event_id
WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.kind = 'trigger'
  AND d.subscriber = %s
ORDER BY d.next_attempt_at, d.id LIMIT %s FOR UPDATE OF d SKIP LOCKED
"""
# One partition of several: a range of part_key (the due index's last column: skipped in
# the index), its deliveries locked first and joined to their events after, in no order
# (lock_due takes the lag as the largest). Joined in one query, the planner preferred
# reading the partition's whole backlog, hashing it with the events and sorting it
# (12.8 against 8.8 ms for 2,000 of a backlog of 10,000, the test's plan).
LOCK_DUE_PART = LOCKED_COLUMNS + """FROM (SELECT * FROM broker_deliveries
      WHERE status = 'pending' AND next_attempt_at <= now() AND kind = 'trigger'
        AND subscriber = %s AND part_key >= %s AND part_key < %s
      ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED) d
JOIN broker_events e ON e.id = d.event_id
"""

# Two batches of one projection's partition would wait on each other's key locks, and the
# second would step over the first's locked rows (SKIP LOCKED tries each): it waits its turn.
BATCH_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))"
# With partitions: the handler's lock shared (so a batch of a process with one partition,
# which takes it alone, excludes them), then each of the batch's partitions' (a batch of
# every partition takes them all). Tries never wait: no deadlock.
BATCH_LOCKS = """SELECT pg_try_advisory_xact_lock_shared(hashtextextended(%s, 0))
    AND (SELECT bool_and(pg_try_advisory_xact_lock(hashtextextended(n, 0)))
         FROM unnest(%s::text[]) AS n)"""

# The next due time of the subscribers {names} yields, by one index probe each, and of the
# earliest dead letter whatever its subscriber (an index of their own: a dead letter carries
# its trigger's name, and must count even when that handler is skipped).
_DUE_OF = """
SELECT EXTRACT(EPOCH FROM least(
    (SELECT min((SELECT min(d.next_attempt_at) FROM broker_deliveries d
                 WHERE d.status = 'pending' AND d.subscriber = s.s))
     FROM ({names}) AS s(s)),
    (SELECT min(next_attempt_at) FROM broker_deliveries
     WHERE status = 'pending' AND kind = 'deadletter')) - now())::float8
"""

# Every subscriber with pending deliveries, but those skipped: found one after the other by
# an index skip. Filtering the due index instead walked every pending delivery of the
# skipped (busy) handlers: 8 ms a call with a backlog of 5,000, the cost growing with it.
NEXT_DUE = """
WITH RECURSIVE subs AS (
    SELECT min(subscriber) AS s FROM broker_deliveries WHERE status = 'pending'
    UNION ALL
    SELECT (SELECT min(d.subscriber) FROM broker_deliveries d
            WHERE d.status = 'pending' AND d.subscriber > subs.s)
    FROM subs WHERE subs.s IS NOT NULL)""" + _DUE_OF.format(
    names="SELECT s FROM subs WHERE s IS NOT NULL AND s <> ALL(%s::text[])")

# Named subscribers only: under load every in-process handler is busy and skipped, and
# stepping from one subscriber to the next in NEXT_DUE walked each busy one's delivered rows
# not yet vacuumed (they lie at the front of its range of the pending index): 5 to 7 ms a
# call after a minute of batches.
NEXT_DUE_OF = _DUE_OF.format(names="SELECT unnest(%s::text[])")


class Delivery(NamedTuple):
    """One claimed attempt. A named tuple, not a frozen dataclass: an in-process batch
    builds one per locked delivery (1.4 per event), and a frozen dataclass's __init__
    (object.__setattr__ per field) cost 1.2 to 2 us each against 0.4 to 0.5."""

    id: int
    event_id: int
    kind: str  # trigger | deadletter
    subscriber: str
    attempts: int
    error_dest: str | None
    error_code: int | None
    error_data: str | None
    event: dict[str, Any]


def enqueue(conn: psycopg.Connection, events: list[tuple[dict, list[str]]], *,
            notify: bool = True) -> None:
    """In the caller's transaction: store events with their matching subscribers, one
    delivery each, and wake the dispatchers (NOTIFY is sent at commit). notify=False when
    the caller wakes its own process's dispatcher instead: NOTIFY serializes commits on a
    database-wide lock, which the ingest of `pts up` would take at every request."""
    rows = [{"event": e, "subscribers": subs} for e, subs in events]
    conn.execute(ENQUEUE, (dumps(rows),))
    if notify and any(subs for _, subs in events):
        conn.execute(f"NOTIFY {CHANNEL}")


def enqueue_logged(conn: psycopg.Connection, events: list[tuple[int, str, str, str]],
                   subscribers: dict[str, list[str]], *, notify: bool = True) -> None:
    """Like enqueue, for events of the log given as (seq, source, id, type): stored by
    reference to their log row, with the subscribers of their type (subscribers[type])."""
    types = [e[3] for e in events]
    conn.execute(ENQUEUE_LOGGED, {"seq": [e[0] for e in events],
                                  "source": [e[1] for e in events],
                                  "id": [e[2] for e in events], "type": types,
                                  "subs": dumps(subscribers)})
    if notify and any(subscribers.get(t) for t in set(types)):
        conn.execute(f"NOTIFY {CHANNEL}")


def claim(conn: psycopg.Connection, run_id: str, limit: int, lease: float, *,
          only: str | None = None, skip: Sequence[str] = (),
          settings: Settings | None = None) -> list[Delivery]:
    """Claim up to limit due deliveries for one attempt each, oldest due first: only the
    trigger deliveries of subscriber `only` when given, none of the subscribers in skip.
    An event stored by reference is built from its log row in the emitted form (ptsseq and
    the K_CE_OVERRIDES extensions of settings, default the process's)."""
    cur = conn.execute(CLAIM, {"run": run_id, "limit": limit, "lease": lease, "only": only,
                               "skip": list(skip)})
    out = []
    for row in cur.fetchall():
        did, event_id, kind, subscriber, attempts, dest, code, data, event = row[:9]
        if event is None:
            logged = dict(zip(LOG_COLUMNS, row[9:], strict=True))
            event = outgoing(to_json(logged), logged["seq"], settings or get_settings())
        out.append(Delivery(did, event_id, kind, subscriber, attempts, dest, code, data, event))
    return out


class Locked(list[Delivery]):
    """lock_due's batch, and how long its oldest delivery has been due (seconds)."""

    lag: float = 0.0


def _slim(row: tuple) -> Delivery:
    did, event_id, kind, subscriber, attempts, dest, code, data, source, id_, type_, seq = row
    event = {"source": source, "id": id_, "type": type_}
    if seq is not None:
        event["ptsseq"] = seq
    return Delivery(did, event_id, kind, subscriber, attempts, dest, code, data, event)


def part_range(part: int, parts: int) -> tuple[int, int]:
    """The part_key range [low, high) of partition part (0-based) of parts."""
    return KEYS * part // parts, KEYS * (part + 1) // parts


def lock_due(conn: psycopg.Connection, subscriber: str, limit: int, part: int | None = None,
             parts: int = 1) -> Locked | None:
    """In the caller's transaction: lock up to limit due trigger deliveries of subscriber,
    of partition part of parts (by part_key: pts.broker.inprocess; None: of every
    partition), oldest due first, as an in-process batch applies them (the events'
    identity only); None while another transaction holds a batch of the same subscriber
    and partition (one batch per partition across processes; a batch of every partition
    takes them all). Each Delivery's attempts counts this attempt; the row's is counted
    when it is settled (delivered_many, retry_later, give_up)."""
    # A statement of its own, before the rows are read: the read's snapshot is then taken
    # after the last batch of this partition committed, so it sees that batch's marks.
    name = f"pts.broker.batch:{subscriber}"
    if parts == 1:
        locked = conn.execute(BATCH_LOCK, (name,))
    else:
        mine = range(parts) if part is None else (part,)
        locked = conn.execute(BATCH_LOCKS, (name, [f"{name}:{k}/{parts}" for k in mine]))
    if not scalar(locked):
        return None
    if parts > 1 and part is not None:
        rows = conn.execute(LOCK_DUE_PART, (subscriber, *part_range(part, parts),
                                            limit)).fetchall()
    else:
        rows = conn.execute(LOCK_DUE, (subscriber, limit)).fetchall()
    batch = Locked(_slim(row[:-1]) for row in rows)
    if rows:
        batch.lag = max(row[-1] for row in rows)  # the oldest due's
    return batch


def next_due(conn: psycopg.Connection, skip: Sequence[str] = (),
             only: Sequence[str] | None = None) -> float | None:
    """Seconds until the next pending delivery is due (negative: overdue); None: none.
    Trigger deliveries of the subscribers in skip do not count; with only, those of the
    subscribers it names alone do (dead letters always count)."""
    if only is not None:
        due = scalar(conn.execute(NEXT_DUE_OF, (list(only),)))
    else:  # an aggregate: always one row
        due = scalar(conn.execute(NEXT_DUE, (list(skip),)))
    return None if due is None else float(due)


def delivered(conn: psycopg.Connection, d: Delivery, status: int) -> None:
    conn.execute(
        "UPDATE broker_deliveries SET status = 'delivered', last_status = %s, "
        "last_error = NULL, claimed_by = NULL, finished_at = now() WHERE id = %s",
        (status, d.id))


def delivered_many(conn: psycopg.Connection, ds: list[Delivery], status: int) -> None:
    """Mark deliveries delivered in one statement, counting their attempt (a batch applied
    in-process: lock_due does not count it)."""
    if ds:
        conn.execute(
            "UPDATE broker_deliveries SET status = 'delivered', last_status = %s, "
            "last_error = NULL, claimed_by = NULL, finished_at = now(), "
            "attempts = attempts + 1 WHERE id = ANY(%s::bigint[])",
            # One array literal: psycopg adapts a list's elements one by one in Python.
            (status, "{" + ",".join([str(d.id) for d in ds]) + "}"))


def retry_later(conn: psycopg.Connection, d: Delivery, status: int | None, error: str,
                delay: float) -> None:
    """Schedule the next attempt, and wake the dispatchers so the wait is timed exactly.
    Records d.attempts (a claim counted it already; a lock_due batch counts it here)."""
    conn.execute(
        "UPDATE broker_deliveries SET last_status = %s, last_error = %s, claimed_by = NULL, "
        "next_attempt_at = now() + make_interval(secs => %s), attempts = %s WHERE id = %s",
        (status, error, delay, d.attempts, d.id))
    conn.execute(f"NOTIFY {CHANNEL}")


def give_up(conn: psycopg.Connection, d: Delivery, status: int | None, error: str,
            dead_letter: dict | None) -> None:
    """No more attempts: hand the event to the dead-letter sink (a delivery of its own,
    carrying the error) or, without one, mark the delivery failed."""
    final = "dead_lettered" if dead_letter is not None else "failed"
    conn.execute(
        "UPDATE broker_deliveries SET status = %s, last_status = %s, last_error = %s, "
        "claimed_by = NULL, finished_at = now(), attempts = %s WHERE id = %s",
        (final, status, error, d.attempts, d.id))
    if dead_letter is not None:
        conn.execute(
            "INSERT INTO broker_deliveries (event_id, kind, subscriber, error_dest, error_code, "
            "error_data) VALUES (%(event_id)s, 'deadletter', %(trigger)s, %(dest)s, %(code)s, "
            "%(data)s)", {"event_id": d.event_id, "trigger": d.subscriber, **dead_letter})
        conn.execute(f"NOTIFY {CHANNEL}")


def resume(conn: psycopg.Connection, run_id: str) -> int:
    """At start: deliveries claimed by an earlier run were cut off; make them due now."""
    cur = conn.execute(
        "UPDATE broker_deliveries SET claimed_by = NULL, next_attempt_at = now() "
        "WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_by <> %s", (run_id,))
    return cur.rowcount
