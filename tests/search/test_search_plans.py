"""The /events filters are served by indexes: EXPLAIN the API's own queries on a generated
log (1,000,000 events; PTS_PLAN_ROWS changes it) and find no sequential scan of the log.

The log is generated once for the module, in its own database, by one INSERT ... SELECT
over generate_series, then ANALYZEd so that the planner sees realistic statistics. The
migration's indexes are dropped for the load and created again from their own definitions
after it: building an index once is much faster than updating it a million times."""

from __future__ import annotations

import json
import os
import uuid

import psycopg
import pytest
from werkzeug.datastructures import MultiDict

from pts.db.urls import to_conninfo, with_database
from pts.search import cursor
from pts.search.events import list_query

ROWS = int(os.environ.get("PTS_PLAN_ROWS", "1000000"))
SECRET = "plan-test"

GENERATE = """
INSERT INTO platform_events (id, source, type, specversion, subject, time, data, received_at,
    occurred_at, service, environment, content_hash)
SELECT 'e-' || i, '/src/' || (i %% 50), t.type, '1.0', 'd-' || (i / 5),
    ts, d, ts + interval '1 second', ts, d ->> 'service', d ->> 'environment', 'h'
FROM generate_series(1, %(rows)s) AS i,
    LATERAL (SELECT (ARRAY['dev.pts.deployment.started', 'dev.pts.deployment.succeeded',
        'dev.pts.deployment.failed', 'dev.pts.service.started', 'dev.pts.service.stopped',
        'dev.pts.service.health_changed', 'dev.pts.image.published',
        'dev.pts.platform.note'])[1 + i %% 8] AS type) AS t,
    LATERAL (SELECT timestamptz '2026-01-01T00:00:00Z' + i * interval '20 seconds' AS ts) AS w,
    LATERAL (SELECT jsonb_build_object(
        'deployment_id', 'd-' || (i / 5), 'service', 'svc-' || (i %% 200),
        'environment', (ARRAY['prod', 'staging', 'dev'])[1 + i %% 3],
        'version', '1.' || (i %% 97), 'pipeline', jsonb_build_object('run_id', i),
        'reason', CASE WHEN i %% 1000 = 0 THEN 'image pull backoff' ELSE 'ok' END) AS d) AS x
"""

# The indexes of the log that no constraint owns: (name, definition).
INDEXES = """
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
WHERE indrelid = 'platform_events'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""

QUERIES = [
    "",
    "type=dev.pts.deployment.failed",
    "type=dev.pts.deployment.*",
    "type=dev.pts.platform.*&environment=prod",
    "source=/src/7",
    "subject=d-4242",
    "service=svc-17",
    "environment=staging",
    "service=svc-17&environment=prod",
    "since=2026-02-01T00:00:00Z&until=2026-02-01T06:00:00Z",
    "since=2026-03-01T00:00:00Z",
    "received_since=2026-02-01T00:00:00Z&received_until=2026-02-02T00:00:00Z",
    "until=2026-01-02T00:00:00Z",
    "received_until=2026-01-02T00:00:00Z",
    "q=backoff",
    "q=backoff&environment=prod",
    "data.pipeline.run_id=123456",
    "data.deployment_id=d-4242",
    "data.version=1.5&service=svc-5",
    "type=dev.pts.deployment.*&service=svc-3&since=2026-01-15T00:00:00Z",
]


@pytest.fixture(scope="module")
def big_log(pg_admin_url, template_url):
    name = "pts_test_plans_" + uuid.uuid4().hex[:8]
    template = template_url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(to_conninfo(pg_admin_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = with_database(pg_admin_url, name)
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        indexes = conn.execute(INDEXES).fetchall()
        for index, _ in indexes:
            conn.execute(f"DROP INDEX {index}")
        conn.execute(GENERATE, {"rows": ROWS})
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("ANALYZE platform_events")
    yield url
    with psycopg.connect(to_conninfo(pg_admin_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def scans(plan: dict) -> list[tuple[str, str | None, str | None]]:
    """(node type, relation, index) of every node of a JSON plan."""
    found = [(plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def explain(url: str, query: str, after: int | None = None) -> list:
    args = MultiDict(pair.split("=", 1) for pair in query.split("&") if pair)
    if after is not None:
        fingerprint = list_query(args, SECRET)[3]
        args["cursor"] = cursor.encode(SECRET, fingerprint, [after])
    sql, params, _, _ = list_query(args, SECRET)
    with psycopg.connect(to_conninfo(url)) as conn:
        (doc,) = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()
    return scans((doc if isinstance(doc, list) else json.loads(doc))[0]["Plan"])


# Old, narrow windows: the time index must serve them. Walking the primary key down from the
# newest event (the planner assumes matches are spread evenly) would read most of the log.
WINDOWS = {
    "since=2026-02-01T00:00:00Z&until=2026-02-01T06:00:00Z": "ix_events_occurred",
    "received_since=2026-02-01T00:00:00Z&received_until=2026-02-02T00:00:00Z":
        "ix_events_received",
    "until=2026-01-02T00:00:00Z": "ix_events_occurred",
    "received_until=2026-01-02T00:00:00Z": "ix_events_received",
}


@pytest.mark.slow
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("page", ["first", "later"])
def test_filters_use_indexes(big_log, query, page):
    nodes = explain(big_log, query, after=ROWS // 2 if page == "later" else None)
    on_log = [n for n in nodes if n[1] == "platform_events" or (n[2] or "").startswith("ix_")]
    assert on_log, nodes
    assert not [n for n in on_log if n[0] == "Seq Scan"], (query, nodes)
    if query in WINDOWS:
        assert WINDOWS[query] in {n[2] for n in nodes}, (query, nodes)
