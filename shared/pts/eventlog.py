"""Appending to the log in one statement, and reading it back.

Concurrent requests may carry the same events in any order. Each waits for the others in
one fixed order: before inserting, a request takes a transaction-scoped advisory lock per
(source, id), sorted by the lock's key, under a shared lock on the whole log; a batch of
more than BIG_BATCH events takes that one lock exclusively instead (bounded lock count).
Two requests therefore never wait on each other's rows crosswise: no deadlock. The rows
themselves go in in request order, so `seq` follows the request (projections break ties
of equal event times by seq).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import psycopg

from pts.cloudevents.event import content_hash
from pts.domain.envelope import Envelope
from pts.domain.jsonnum import dumps
from pts.domain.timefmt import format_rfc3339

# One statement for a whole batch: insert what is new, and in the same snapshot read back
# what was already stored, so duplicates and conflicts cost no extra round trip.
APPEND = """
WITH locked AS (
    SELECT count(CASE WHEN k.exclusive THEN pg_advisory_xact_lock(k.space, k.key)
                      ELSE pg_advisory_xact_lock_shared(k.space, k.key) END) AS n
    FROM (SELECT * FROM unnest(%(exclusive)s::bool[], %(space)s::int[], %(key)s::int[])
          WITH ORDINALITY AS u(exclusive, space, key, n) ORDER BY n) k
), input AS (
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(
        idx int, id text, source text, type text, specversion text, subject text,
        time timestamptz, datacontenttype text, dataschema text, extensions jsonb,
        data jsonb, data_base64 text, service text, environment text, content_hash text)
), inserted AS (
    INSERT INTO platform_events (id, source, type, specversion, subject, time,
        datacontenttype, dataschema, extensions, data, data_base64, occurred_at,
        service, environment, content_hash)
    SELECT id, source, type, specversion, subject, time, datacontenttype, dataschema,
        extensions, data, data_base64, COALESCE(time, now()), service, environment,
        content_hash
    FROM input, locked WHERE locked.n >= 0  -- every lock is held before the first row
    ORDER BY idx
    ON CONFLICT (source, id) DO NOTHING
    RETURNING seq, source, id, content_hash
)
SELECT true, seq, source, id, content_hash FROM inserted
UNION ALL
SELECT false, e.seq, e.source, e.id, e.content_hash
FROM platform_events e JOIN input i ON e.source = i.source AND e.id = i.id
"""

READ_BACK = """
SELECT e.seq, e.source, e.id, e.content_hash
FROM platform_events e JOIN unnest(%s::text[], %s::text[]) AS k(source, id)
    ON e.source = k.source AND e.id = k.id
"""


# Advisory lock spaces (the two-int4 form: apart from the single-bigint keys used elsewhere).
LOG_LOCK, EVENT_LOCK = 0x70747301, 0x70747302
BIG_BATCH = 64


def _event_key(env: Envelope) -> int:
    digest = hashlib.blake2b(f"{env.source}\n{env.id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_plan(events: list[Envelope]) -> dict[str, list]:
    """The advisory locks of one append, in the order they are taken."""
    keys = sorted({_event_key(e) for e in events})
    if len(keys) > BIG_BATCH:
        return {"exclusive": [True], "space": [LOG_LOCK], "key": [0]}
    return {"exclusive": [False] + [True] * len(keys),
            "space": [LOG_LOCK] + [EVENT_LOCK] * len(keys), "key": [0, *keys]}


@dataclass(frozen=True)
class Appended:
    """What the log holds for one (source, id) after an append."""

    seq: int
    source: str
    id: str
    content_hash: str
    new: bool


def _row(index: int, env: Envelope) -> dict:
    return {
        "idx": index, "id": env.id, "source": env.source, "type": env.type,
        "specversion": env.specversion, "subject": env.subject,
        "time": format_rfc3339(env.time), "datacontenttype": env.datacontenttype,
        "dataschema": env.dataschema, "extensions": env.extensions, "data": env.data,
        "data_base64": env.data_base64, "service": env.service,
        "environment": env.environment, "content_hash": content_hash(env),
    }


def append(conn: psycopg.Connection, events: list[Envelope]) -> dict[tuple[str, str], Appended]:
    """Append events (unique by (source, id)) in one statement, inside the caller's
    transaction. Returns, per (source, id), the stored row: new (inserted by this
    transaction), or the one already there."""
    rows = dumps([_row(i, e) for i, e in enumerate(events)])
    found: dict[tuple[str, str], Appended] = {}
    for new, seq, source, id_, digest in conn.execute(APPEND,
                                                      {"rows": rows, **lock_plan(events)}):
        found[(source, id_)] = Appended(seq, source, id_, digest, new)
    missing = [(e.source, e.id) for e in events if (e.source, e.id) not in found]
    if missing:
        # Another transaction committed these after this statement's snapshot (taken
        # before its locks were granted): the insert skipped them, the snapshot cannot
        # see them. A new statement sees them. Only
        # these are read again: re-running the insert would read this transaction's own
        # new rows back as if they were already stored (and lose their emission).
        for seq, source, id_, digest in conn.execute(READ_BACK, ([s for s, _ in missing],
                                                                [i for _, i in missing])):
            found[(source, id_)] = Appended(seq, source, id_, digest, False)
    lost = [key for key in missing if key not in found]
    if lost:
        raise RuntimeError(f"events neither inserted nor found: {lost[:3]}")
    return found
