"""Appending to the log in one statement, and reading it back.

Concurrent requests may carry the same events in any order. A row whose (source, id) another
transaction is inserting makes the insert wait for that transaction (ON CONFLICT). So that
two requests never wait on each other's rows crosswise (a deadlock), every append inserts
its rows in one global order, by (source, id) byte-wise: a request waiting at key k holds
only keys below k, so no cycle of waits can form. Requests sharing no event never wait on
each other, whatever their size. `seq` still follows the request: the statement takes one
sequence value per row as it reads the rows, in request order (the input CTE, evaluated once
as it holds a volatile function, scans the array in order), then inserts in key order
(projections break ties of equal event times by seq). Numbering the values after the fact
(a window over them, joined back to the rows) cost a sort and a join per statement.
"""

from __future__ import annotations

from typing import NamedTuple

import psycopg

from pts.cloudevents.event import content_hash
from pts.domain.envelope import Envelope
from pts.domain.jsonnum import dumps
from pts.domain.timefmt import format_rfc3339

# One statement for a whole batch: insert what is new, and in the same snapshot read back
# what was already stored, so duplicates and conflicts cost no extra round trip.
APPEND = """
WITH input AS (  -- one JSON array per row (_row): no key repeated in the document
    SELECT (r->>0)::int AS idx, nextval('platform_events_seq_seq'::regclass) AS seq,
        r->>1 AS id, r->>2 AS source, r->>3 AS type,
        r->>4 AS specversion, r->>5 AS subject, (r->>6)::timestamptz AS time,
        r->>7 AS datacontenttype, r->>8 AS dataschema, r->9 AS extensions,
        NULLIF(r->10, 'null') AS data, r->>11 AS data_base64, r->>12 AS service,
        r->>13 AS environment, r->>14 AS content_hash
    FROM jsonb_array_elements(%(rows)s::jsonb) AS r
), inserted AS (
    INSERT INTO platform_events (seq, id, source, type, specversion, subject, time,
        datacontenttype, dataschema, extensions, data, data_base64, occurred_at,
        service, environment, content_hash) OVERRIDING SYSTEM VALUE
    SELECT seq, id, source, type, specversion, subject, time, datacontenttype,
        dataschema, extensions, data, data_base64, COALESCE(time, now()), service,
        environment, content_hash
    FROM input
    ORDER BY source COLLATE "C", id COLLATE "C"  -- the one insert order of every append
    ON CONFLICT (source, id) DO NOTHING
    RETURNING seq  -- the rest of an inserted row is the caller's own (idx through input)
){outbox}, missing AS MATERIALIZED (  -- the rows not inserted, before any probe of the log
    SELECT idx, source, id FROM input WHERE seq NOT IN (SELECT seq FROM inserted)
)
SELECT idx, seq, NULL FROM input WHERE seq IN (SELECT seq FROM inserted)
UNION ALL  -- already stored: probed only for those
SELECT m.idx, e.seq, e.content_hash
FROM missing m JOIN platform_events e ON e.source = m.source AND e.id = m.id
"""
# The same, writing each new event's pending outbox row (event_emissions) too.
APPEND_WITH_OUTBOX = APPEND.format(
    outbox=", outbox AS (INSERT INTO event_emissions (seq) SELECT seq FROM inserted)\n")
APPEND = APPEND.format(outbox="")

READ_BACK = """
SELECT e.seq, e.source, e.id, e.content_hash
FROM platform_events e JOIN unnest(%s::text[], %s::text[]) AS k(source, id)
    ON e.source = k.source AND e.id = k.id
"""


class Appended(NamedTuple):
    """What the log holds for one (source, id) after an append."""

    seq: int
    source: str
    id: str
    content_hash: str
    new: bool


def _row(index: int, env: Envelope) -> list:
    """One row of APPEND's input, positional (the order of its `r->N`)."""
    return [index, env.id, env.source, env.type, env.specversion, env.subject,
            format_rfc3339(env.time), env.datacontenttype, env.dataschema, env.extensions,
            env.data, env.data_base64, env.service, env.environment, content_hash(env)]


def append(conn: psycopg.Connection, events: list[Envelope], *, outbox: bool = False
           ) -> dict[tuple[str, str], Appended]:
    """Append events (unique by (source, id)) in one statement, inside the caller's
    transaction. Returns, per (source, id), the stored row: new (inserted by this
    transaction), or the one already there. outbox: the same statement also writes each new
    event's pending emission row (pts.eventing.emit's outbox)."""
    rows = dumps([_row(i, e) for i, e in enumerate(events)])
    found: dict[tuple[str, str], Appended] = {}
    statement = APPEND_WITH_OUTBOX if outbox else APPEND
    for idx, seq, digest in conn.execute(statement, {"rows": rows}):
        e = events[idx]  # a stored digest: the row was there; none: this statement's own
        found[(e.source, e.id)] = Appended(seq, e.source, e.id, digest or content_hash(e),
                                           digest is None)
    missing = [(e.source, e.id) for e in events if (e.source, e.id) not in found]
    if missing:
        # Another transaction committed these while this statement waited for it: the
        # insert skipped them, and this statement's snapshot (older) cannot see them. A
        # new statement sees them. Only
        # these are read again: re-running the insert would read this transaction's own
        # new rows back as if they were already stored (and lose their emission).
        for seq, source, id_, digest in conn.execute(READ_BACK, ([s for s, _ in missing],
                                                                [i for _, i in missing])):
            found[(source, id_)] = Appended(seq, source, id_, digest, False)
    lost = [key for key in missing if key not in found]
    if lost:
        raise RuntimeError(f"events neither inserted nor found: {lost[:3]}")
    return found
