"""The deployments projection rebuilt from the log in sets (`pts replay`).

Each deployment's row is one aggregate over its events in (event time, seq) order: the
status state machine of `deployment_rules.fold_deployment` read as "the last terminal event
before the first `rolled_back`". What a deployment's environment makes of it (replaced,
inferred rollbacks, where an explicit rollback goes back to, what is current) is a
sequential fold over that environment's steps; it runs in Python over the deployments rows
(one pass, one row per deployment, not per event) with the live rules'
`environment_timeline`, and is written back with COPY.
"""

from __future__ import annotations

from itertools import groupby

import psycopg
from psycopg.rows import dict_row

from pts.projections import deployment_rules as rules
from pts.projections.facts import Key, Row
from pts.projections.imagesql import parse_distinct
from pts.projections.phases import phase

HANDLED = """
INSERT INTO deployments_handled_events (source, id, seq, occurred_at, type, deployment_id,
                                        service, environment)
SELECT e.source, e.id, e.seq, e.occurred_at, e.type, e.data->>'deployment_id',
       e.data->>'service', e.data->>'environment'
FROM platform_events e WHERE e.type = ANY(%s) AND e.seq NOT IN (SELECT seq FROM replay_skipped)
"""

# Every aggregate reads a deployment's events newest first (one sort for all of them):
# "the last value" is an array's first element, "the first value" its last.
NEW = "ORDER BY t DESC, seq DESC"
TERM = "kind IN ('succeeded', 'failed', 'cancelled') AND NOT rolled"


def _last(value: str, where: str) -> str:
    return f"(array_agg({value} {NEW}) FILTER (WHERE {where}))[1]"


ROWS = f"""
INSERT INTO deployments (deployment_id, service, environment, version, image,
    image_repository, image_tag, image_digest, commit, pipeline_name, pipeline_run_id,
    pipeline_url, actor, status, started_at, succeeded_at, succeeded_seq, finished_at,
    duration_seconds, reason, rolled_back_at, rolled_back_seq, rolled_back_to_version,
    event_seqs, first_event_at, last_event_at, is_rollback)
SELECT f.deployment_id, f.services[cardinality(f.services)],
       f.environments[cardinality(f.environments)], f.version, f.image, i.repository, i.tag,
       i.digest, f.commit, f.pipeline_name, f.pipeline_run_id, f.pipeline_url, f.actor,
       f.status, f.started_at,
       CASE WHEN f.status IN ('succeeded', 'rolled_back') THEN f.succeeded_at END,
       CASE WHEN f.status IN ('succeeded', 'rolled_back') THEN f.succeeded_seq END,
       f.finished_at, extract(epoch FROM f.finished_at - f.started_at)::float8, f.reason,
       f.rolled_back_at, f.rolled_back_seq, f.rolled_back_to_version,
       ARRAY(SELECT unnest(f.seqs) ORDER BY 1), f.first_event_at, f.last_event_at,
       f.status = 'rolled_back'
FROM (
    SELECT deployment_id,
        array_agg(d->>'service' {NEW}) FILTER (WHERE d->>'service' <> '') AS services,
        array_agg(d->>'environment' {NEW}) FILTER (WHERE d->>'environment' <> '')
            AS environments,
        {_last("d->>'version'", "d->>'version' IS NOT NULL")} AS version,
        {_last("d->'image'", "d->>'image' IS NOT NULL")} AS image_json,
        {_last("d->>'image'", "d->>'image' IS NOT NULL")} AS image,
        {_last("d->>'commit'", "d->>'commit' IS NOT NULL")} AS commit,
        {_last("d->'pipeline'->>'name'",
               "kind = 'started' AND d->'pipeline'->>'name' IS NOT NULL")} AS pipeline_name,
        {_last("d->'pipeline'->>'run_id'",
               "kind = 'started' AND d->'pipeline'->>'run_id' IS NOT NULL")}
            AS pipeline_run_id,
        {_last("d->'pipeline'->>'url'",
               "kind = 'started' AND d->'pipeline'->>'url' IS NOT NULL")} AS pipeline_url,
        {_last("d->>'actor'", "kind = 'started' AND d->>'actor' IS NOT NULL")} AS actor,
        CASE WHEN bool_or(kind = 'rolled_back') THEN 'rolled_back'
             ELSE coalesce({_last("kind", TERM)}, 'started') END AS status,
        min(t) FILTER (WHERE kind = 'started') AS started_at,
        {_last("t", TERM + " AND kind = 'succeeded'")} AS succeeded_at,
        {_last("seq", TERM + " AND kind = 'succeeded'")} AS succeeded_seq,
        {_last("t", TERM)} AS finished_at,
        CASE WHEN bool_or(kind = 'rolled_back')
             THEN {_last("d->>'reason'", "kind = 'rolled_back'")}
             ELSE {_last("d->>'reason'", TERM)} END AS reason,
        {_last("t", "kind = 'rolled_back'")} AS rolled_back_at,
        {_last("seq", "kind = 'rolled_back'")} AS rolled_back_seq,
        {_last("d->>'to_version'", "kind = 'rolled_back'")} AS rolled_back_to_version,
        array_agg(seq {NEW}) AS seqs, min(t) AS first_event_at, max(t) AS last_event_at
    FROM (
        SELECT h.deployment_id, h.seq, h.occurred_at AS t, e.data AS d,
               split_part(h.type, '.', 4) AS kind,
               -- a rolled_back event at or before this one: a terminal after it is ignored
               bool_or(h.type = 'dev.pts.deployment.rolled_back') OVER (
                   PARTITION BY h.deployment_id ORDER BY h.occurred_at DESC, h.seq DESC
                   ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rolled
        FROM deployments_handled_events h
        JOIN platform_events e ON e.seq = h.seq AND e.type LIKE 'dev.pts.deployment.%'
    ) ev
    GROUP BY deployment_id
) f
LEFT JOIN replay_images i ON i.image = f.image_json
"""

TIMELINE = """
SELECT deployment_id, service, environment, version, image, image_digest, status,
       succeeded_at, succeeded_seq, rolled_back_at, rolled_back_seq, rolled_back_to_version
FROM deployments WHERE succeeded_at IS NOT NULL OR rolled_back_at IS NOT NULL
ORDER BY service, environment
"""
STEP_COLUMNS = ("service", "environment", "at", "seq", "step", "deployment_id",
                "current_deployment_id", "current_version", "current_image",
                "current_image_digest", "current_since")
CURRENT_COLUMNS = ("service", "environment", "deployment_id", "version", "image",
                   "image_digest", "since")


def _timelines(conn: psycopg.Connection) -> tuple[list[Row], list[Key], list[Key]]:
    """Every environment's timeline: the deployments whose derived columns differ from a
    deployment that never ran, the steps, the current deployments."""
    derived, steps, currents = [], [], []
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(TIMELINE).fetchall()
    for group, members in groupby(rows, key=lambda r: (r["service"], r["environment"])):
        ds, current, done = rules.environment_timeline(list(members))
        for did, d in ds.items():
            if (d["replaced_deployment_id"] is not None or d["replaced_version"] is not None
                    or d["is_current"] or d["rollback_inferred"]):
                derived.append({"deployment_id": did, **d})
        steps += [tuple(s[c] for c in STEP_COLUMNS) for s in done]
        if current is not None:
            currents.append((*group, *(current[c] for c in CURRENT_COLUMNS[2:])))
    return derived, steps, currents


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...],
          rows: list[Key]) -> None:
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


DERIVED = ("deployment_id", "replaced_deployment_id", "replaced_version", "is_rollback",
           "rollback_inferred", "is_current")


def rebuild(conn: psycopg.Connection, types: list[str]) -> None:
    """Fill the (empty) tables from the log's accepted events (not in replay_skipped)."""
    with phase("deployments handled"):
        conn.execute(HANDLED, (types,))
        conn.execute("ANALYZE deployments_handled_events")  # row counts for the joins below
    with phase("deployments images"):
        parse_distinct(conn, types)
    with phase("deployments rows"):
        conn.execute(ROWS)
    with phase("deployments timelines"):
        derived, steps, currents = _timelines(conn)
    with phase("deployments copy"):
        _copy(conn, "deployment_steps", STEP_COLUMNS, steps)
        _copy(conn, "current_deployments", CURRENT_COLUMNS, currents)
    conn.execute("DROP TABLE IF EXISTS replay_derived")
    conn.execute("CREATE TEMP TABLE replay_derived (deployment_id text, "
                 "replaced_deployment_id text, replaced_version text, is_rollback bool, "
                 "rollback_inferred bool, is_current bool) ON COMMIT DROP")
    _copy(conn, "replay_derived", DERIVED, [tuple(d[c] for c in DERIVED) for d in derived])
    with phase("deployments derived"):
        conn.execute("UPDATE deployments d SET replaced_deployment_id = x.replaced_deployment_id, "
                 "replaced_version = x.replaced_version, is_rollback = x.is_rollback, "
                     "rollback_inferred = x.rollback_inferred, is_current = x.is_current "
                     "FROM replay_derived x WHERE x.deployment_id = d.deployment_id")
