"""The append's input (pts.eventlog): each row carries the event's canonical JSON, the text
its content hash is computed from, and PostgreSQL takes the columns from it. It stores
exactly the row the positional form stored (one JSON value per column, encoded apart from
the hash), over generated events: unicode, escapes, exact and big numbers, nested and
non-object data, data_base64, extensions, times in other zones, derived subjects."""

from __future__ import annotations

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts import eventlog
from pts.cloudevents.event import content_hash
from pts.config import Settings
from pts.db.urls import to_conninfo
from pts.domain.envelope import Envelope, validate_event
from pts.domain.jsonnum import dumps
from pts.domain.timefmt import format_rfc3339
from pts.http.limits import check_event_data
from pts.http.problem import Problem
from tests.unit.test_batch_path_shortcuts import FOREIGN, _raw

SETTINGS = Settings()

# The statement before (2026-11-28): one JSON array per row, a value per column.
POSITIONAL = """
WITH input AS (
    SELECT nextval('platform_events_seq_seq'::regclass) AS seq,
        r->>1 AS id, r->>2 AS source, r->>3 AS type,
        r->>4 AS specversion, r->>5 AS subject, (r->>6)::timestamptz AS time,
        r->>7 AS datacontenttype, r->>8 AS dataschema, r->9 AS extensions,
        NULLIF(r->10, 'null') AS data, r->>11 AS data_base64, r->>12 AS service,
        r->>13 AS environment, r->>14 AS content_hash
    FROM jsonb_array_elements(%(rows)s::jsonb) AS r
)
INSERT INTO platform_events (seq, id, source, type, specversion, subject, time,
    datacontenttype, dataschema, extensions, data, data_base64, occurred_at,
    service, environment, content_hash) OVERRIDING SYSTEM VALUE
SELECT seq, id, source, type, specversion, subject, time, datacontenttype,
    dataschema, extensions, data, data_base64, COALESCE(time, now()), service,
    environment, content_hash
FROM input
RETURNING seq
"""


def _positional_row(index: int, env: Envelope) -> list:
    return [index, env.id, env.source, env.type, env.specversion, env.subject,
            format_rfc3339(env.time), env.datacontenttype, env.dataschema, env.extensions,
            env.data, env.data_base64, env.service, env.environment, content_hash(env)]


# Every column as PostgreSQL writes it; occurred_at only when the event has a time (else
# it is the transaction's now()).
STORED = """
SELECT id, source, type, specversion, subject, time, datacontenttype, dataschema,
    extensions::text, data::text, data_base64, CASE WHEN time IS NULL THEN NULL
    ELSE occurred_at END, service, environment, content_hash
FROM platform_events WHERE seq = ANY(%s) ORDER BY seq
"""


def _stored(conn: psycopg.Connection, append) -> list[tuple]:
    with conn.transaction(force_rollback=True):
        seqs = append()
        return conn.execute(STORED, (seqs,)).fetchall()


_SHAPED = st.fixed_dictionaries({
    "specversion": st.just("1.0"), "id": st.text(min_size=1, max_size=8), "source": st.just("/s"),
    "type": st.just("dev.pts.deployment.started"),
    "time": st.sampled_from(["2026-11-28T10:00:00Z", "2026-11-28T10:00:00.123456+05:30"]),
    "data": st.fixed_dictionaries({"deployment_id": st.just("d1"), "service": st.just("web"),
                                   "environment": st.just("prod"), "version": st.just("1")})})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_raw() | _SHAPED, min_size=1, max_size=6))
def test_rows_from_the_canonical_json_are_the_positional_rows(db_url, raws):
    envs: dict[tuple[str, str], Envelope] = {}
    for raw in raws:
        try:  # as ingest's HTTP entry does first: what PostgreSQL cannot store is a 400
            check_event_data([raw], SETTINGS)
        except Problem:
            continue
        result = validate_event(raw, FOREIGN)
        if isinstance(result, Envelope):
            envs.setdefault((result.source, result.id), result)
    events = list(envs.values())
    if not events:
        return
    with psycopg.connect(to_conninfo(db_url)) as conn:
        now = _stored(conn, lambda: eventlog.append_indexed(conn, events)[0])
        rows = dumps([_positional_row(i, e) for i, e in enumerate(events)])
        before = _stored(conn, lambda: [s for (s,) in conn.execute(POSITIONAL, {"rows": rows})])
    assert now == before
