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

from pts.cloudevents.event import canonical_form, canonical_text, content_hash
from pts.domain.envelope import Envelope

# One statement for a whole batch: insert what is new, and in the same snapshot read back
# what was already stored, so duplicates and conflicts cost no extra round trip. Each row of
# the input is [index, content hash, the event in CloudEvents' JSON form (the canonical text
# its hash was computed from, pts.cloudevents.event), its extensions when it has any]: the
# event's JSON is written once per request, for the hash, and not encoded again for the row.
_APPEND = """
WITH input AS (
    SELECT (r->>0)::int AS idx, nextval('platform_events_seq_seq'::regclass) AS seq,
        r->2->>'id' AS id, r->2->>'source' AS source, r->>1 AS content_hash, r->2 AS e,
        r->2->'data' AS data, COALESCE(r->3, '{{}}') AS extensions
    FROM jsonb_array_elements(%(rows)s::jsonb) AS r
), inserted AS (
    INSERT INTO platform_events (seq, id, source, type, specversion, subject, time,
        datacontenttype, dataschema, extensions, data, data_base64, occurred_at,
        service, environment, content_hash) OVERRIDING SYSTEM VALUE
    SELECT seq, id, source, e->>'type', e->>'specversion', e->>'subject',
        (e->>'time')::timestamptz, e->>'datacontenttype', e->>'dataschema', extensions,
        data, e->>'data_base64', COALESCE((e->>'time')::timestamptz, now()),
        CASE jsonb_typeof(data->'service') WHEN 'string' THEN data->>'service' END,
        CASE jsonb_typeof(data->'environment') WHEN 'string' THEN data->>'environment' END,
        content_hash
    FROM input
    ORDER BY source COLLATE "C", id COLLATE "C"  -- the one insert order of every append
    ON CONFLICT (source, id) DO NOTHING
    RETURNING seq{returning}  -- the rest of an inserted row is the caller's own (idx)
){then}, missing AS MATERIALIZED (  -- the rows not inserted, before any probe of the log
    SELECT idx, source, id FROM input WHERE seq NOT IN (SELECT seq FROM inserted)
)
SELECT idx, seq, NULL FROM input WHERE seq IN (SELECT seq FROM inserted)
UNION ALL  -- already stored: probed only for those
SELECT m.idx, e.seq, e.content_hash
FROM missing m JOIN platform_events e ON e.source = m.source AND e.id = m.id
"""


def appending(then: str = "", returning: str = "") -> str:
    """The append statement, followed by data-modifying CTEs `then` (each starting with a
    comma) that read `inserted`: the seq of each row this statement inserted, and the columns
    named in `returning` (", source, id, type"). They run in the same statement: no round
    trip, no parameters sent again per event."""
    return _APPEND.format(then=then, returning=returning)


APPEND = appending()
# Writing each new event's pending outbox row (event_emissions) too.
APPEND_WITH_OUTBOX = appending(
    ", outbox AS (INSERT INTO event_emissions (seq) SELECT seq FROM inserted)\n")

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


def _row(index: int, env: Envelope) -> str:
    """One row of APPEND's input, as JSON text (the order of its `r->N`)."""
    text, digest = canonical_form(env)
    if env.extensions:
        return f'[{index},"{digest}",{text},{canonical_text(env.extensions)}]'
    return f'[{index},"{digest}",{text}]'


def append_indexed(conn: psycopg.Connection, events: list[Envelope], *, outbox: bool = False,
                   statement: str | None = None, params: dict | None = None
                   ) -> tuple[list[int], list[str | None]]:
    """append, answered by the events' positions (what ingest needs, without a key or an
    object per event): each event's seq, and the content hash of the row that was already
    stored (None: this transaction inserted it). statement: a statement of `appending`
    instead (with its own params)."""
    rows = "[" + ",".join([_row(i, e) for i, e in enumerate(events)]) + "]"
    seqs: list = [None] * len(events)
    digests: list[str | None] = [None] * len(events)
    if statement is None:
        statement = APPEND_WITH_OUTBOX if outbox else APPEND
    for idx, seq, digest in conn.execute(statement, {"rows": rows, **(params or {})}):
        seqs[idx], digests[idx] = seq, digest  # a digest: the row was there; none: inserted
    missing = [i for i, seq in enumerate(seqs) if seq is None]
    if missing:
        # Another transaction committed these while this statement waited for it: the
        # insert skipped them, and this statement's snapshot (older) cannot see them. A
        # new statement sees them. Only these are read again: re-running the insert would
        # read this transaction's own new rows back as if they were already stored (and
        # lose their emission).
        where = {(events[i].source, events[i].id): i for i in missing}
        for seq, source, id_, digest in conn.execute(READ_BACK, (
                [events[i].source for i in missing], [events[i].id for i in missing])):
            i = where[(source, id_)]
            seqs[i], digests[i] = seq, digest
        lost = [(events[i].source, events[i].id) for i in missing if seqs[i] is None]
        if lost:
            raise RuntimeError(f"events neither inserted nor found: {lost[:3]}")
    return seqs, digests


def append(conn: psycopg.Connection, events: list[Envelope], *, outbox: bool = False
           ) -> dict[tuple[str, str], Appended]:
    """Append events (unique by (source, id)) in one statement, inside the caller's
    transaction. Returns, per (source, id), the stored row: new (inserted by this
    transaction), or the one already there. outbox: the same statement also writes each new
    event's pending emission row (pts.eventing.emit's outbox)."""
    seqs, digests = append_indexed(conn, events, outbox=outbox)
    return {(e.source, e.id): Appended(seq, e.source, e.id, digest or content_hash(e),
                                       digest is None)
            for e, seq, digest in zip(events, seqs, digests, strict=True)}
