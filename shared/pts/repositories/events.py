"""Appending to the log in one statement, and reading it back."""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg

from pts.domain.envelope import Envelope
from pts.domain.timefmt import format_rfc3339

# One statement for a whole batch: insert what is new, and in the same snapshot read back
# what was already stored, so duplicates and conflicts cost no extra round trip.
APPEND = """
WITH input AS (
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
    FROM input ORDER BY idx
    ON CONFLICT (source, id) DO NOTHING
    RETURNING seq, source, id, content_hash
)
SELECT true, seq, source, id, content_hash FROM inserted
UNION ALL
SELECT false, e.seq, e.source, e.id, e.content_hash
FROM platform_events e JOIN input i ON e.source = i.source AND e.id = i.id
"""


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
        "environment": env.environment, "content_hash": env.content_hash(),
    }


def append(conn: psycopg.Connection, events: list[Envelope]) -> dict[tuple[str, str], Appended]:
    """Append events (unique by (source, id)) in one statement, inside the caller's
    transaction. Returns, per (source, id), the stored row: new, or the one already there."""
    rows = json.dumps([_row(i, e) for i, e in enumerate(events)])
    found: dict[tuple[str, str], Appended] = {}
    for _attempt in range(2):
        for new, seq, source, id_, digest in conn.execute(APPEND, {"rows": rows}):
            found[(source, id_)] = Appended(seq, source, id_, digest, new)
        if len(found) == len(events):
            return found
        # A concurrent request stored some of these after our snapshot: read again.
    missing = [(e.source, e.id) for e in events if (e.source, e.id) not in found]
    raise RuntimeError(f"events neither inserted nor found: {missing[:3]}")
