"""The images projection rebuilt from the log in sets (`pts replay`): one statement per
table, window functions over each key's events in (event time, seq) order.

- images: per (repository, digest), the earliest event naming it, the first publish, the
  last non-null commit and service of its publishes;
- image_tags: a publish pointing a tag at another digest than the previous publish starts
  a row, which the next such publish ends;
- image_runs: per (service, environment), the steps (a deployment's success with its image,
  as `image_rules.run_start` folds it from that environment's events of the deployment; a
  `service.started` naming an image; a `service.stopped`) whose image differs from the
  previous step's start a run, which the next such step ends.
"""

from __future__ import annotations

import psycopg

from pts.projections.imagesql import parse_distinct
from pts.projections.phases import phase

PUBLISHED = "dev.pts.image.published"

HANDLED = f"""
INSERT INTO images_handled_events (source, id, seq, occurred_at, type, service, environment,
                                   repository, tag, digest, deployment_id)
SELECT e.source, e.id, e.seq, e.occurred_at, e.type, e.data->>'service',
       CASE WHEN e.type = '{PUBLISHED}' THEN NULL ELSE e.data->>'environment' END,
       CASE WHEN e.type = '{PUBLISHED}' THEN e.data->>'repository' ELSE i.repository END,
       CASE WHEN e.type = '{PUBLISHED}' THEN e.data->>'tag' ELSE i.tag END,
       CASE WHEN e.type = '{PUBLISHED}' THEN e.data->>'digest' ELSE i.digest END,
       CASE WHEN e.type = '{PUBLISHED}' THEN NULL ELSE e.data->>'deployment_id' END
FROM platform_events e
LEFT JOIN replay_images i ON e.type <> '{PUBLISHED}' AND i.image = e.data->'image'
WHERE e.type = ANY(%s) AND e.seq NOT IN (SELECT seq FROM replay_skipped)
"""

NEW = "ORDER BY h.occurred_at DESC, h.seq DESC"

IMAGES = f"""
INSERT INTO images (repository, digest, first_seen_at, published_at, commit, service)
SELECT h.repository, h.digest, min(h.occurred_at),
       min(h.occurred_at) FILTER (WHERE h.type = '{PUBLISHED}'),
       (array_agg(e.data->>'commit' {NEW}) FILTER (WHERE h.type = '{PUBLISHED}'
                                                   AND e.data->>'commit' IS NOT NULL))[1],
       (array_agg(e.data->>'service' {NEW}) FILTER (WHERE h.type = '{PUBLISHED}'
                                                    AND e.data->>'service' IS NOT NULL))[1]
FROM images_handled_events h  -- only publishes' data is read: only their log rows joined
LEFT JOIN platform_events e ON e.seq = h.seq AND e.type = '{PUBLISHED}'
WHERE h.digest <> '' AND h.repository IS NOT NULL
GROUP BY h.repository, h.digest
"""

TAGS = f"""
INSERT INTO image_tags (repository, tag, digest, from_at, to_at, event_seq)
SELECT repository, tag, digest, occurred_at,
       lead(occurred_at) OVER (PARTITION BY repository, tag ORDER BY occurred_at, seq), seq
FROM (SELECT repository, tag, digest, occurred_at, seq,
             row_number() OVER w = 1 OR lag(digest) OVER w IS DISTINCT FROM digest AS moved
      FROM images_handled_events
      WHERE type = '{PUBLISHED}' AND tag <> '' AND repository IS NOT NULL
      WINDOW w AS (PARTITION BY repository, tag ORDER BY occurred_at, seq)) p
WHERE moved
"""

# Per (service, environment, deployment): its success as run_start folds it from those
# events (the last `succeeded` before any `rolled_back`, if its final status is succeeded or
# rolled_back), with the last image any of them gave.
DEPLOYED = """
SELECT service, environment, succeeded_at AS at, succeeded_seq AS seq, image
FROM (SELECT h.service, h.environment,
             (array_agg(h.occurred_at ORDER BY h.occurred_at DESC, h.seq DESC) FILTER (
                 WHERE h.type = 'dev.pts.deployment.succeeded' AND NOT rolled))[1]
                 AS succeeded_at,
             (array_agg(h.seq ORDER BY h.occurred_at DESC, h.seq DESC) FILTER (
                 WHERE h.type = 'dev.pts.deployment.succeeded' AND NOT rolled))[1]
                 AS succeeded_seq,
             bool_or(h.type = 'dev.pts.deployment.rolled_back') OR
             (array_agg(h.type ORDER BY h.occurred_at DESC, h.seq DESC) FILTER (
                 WHERE h.type IN ('dev.pts.deployment.succeeded', 'dev.pts.deployment.failed',
                                  'dev.pts.deployment.cancelled') AND NOT rolled))[1]
                 = 'dev.pts.deployment.succeeded' AS kept,
             (array_agg(e.data->'image' ORDER BY h.occurred_at DESC, h.seq DESC) FILTER (
                 WHERE e.data->>'image' IS NOT NULL))[1] AS image
      FROM (SELECT h.*, bool_or(h.type = 'dev.pts.deployment.rolled_back') OVER (
                PARTITION BY h.service, h.environment, h.deployment_id
                ORDER BY h.occurred_at, h.seq) AS rolled
            FROM images_handled_events h
            WHERE h.type LIKE 'dev.pts.deployment.%' AND h.service <> ''
              AND h.environment <> '') h
      JOIN platform_events e ON e.seq = h.seq AND e.type LIKE 'dev.pts.deployment.%'
      GROUP BY h.service, h.environment, h.deployment_id) d
WHERE kept AND succeeded_at IS NOT NULL AND image IS NOT NULL AND image #>> '{}' <> ''
"""

RUNS = f"""
INSERT INTO image_runs (service, environment, image, repository, tag, digest, from_at, to_at,
                        from_seq)
SELECT service, environment, ref, repository, tag, digest, at, to_at, seq
FROM (SELECT m.*, lead(at) OVER (PARTITION BY service, environment ORDER BY at, seq) AS to_at
      FROM (SELECT steps.*, i.ref, i.repository, i.tag, i.digest, i.identity,
                   i.identity IS DISTINCT FROM lag(i.identity) OVER (
                       PARTITION BY service, environment ORDER BY at, seq) AS moved
            FROM ({DEPLOYED}
                  UNION ALL
                  SELECT h.service, h.environment, h.occurred_at, h.seq,
                         CASE WHEN h.type = 'dev.pts.service.started' THEN e.data->'image' END
                  FROM images_handled_events h JOIN platform_events e ON e.seq = h.seq
                   AND e.type IN ('dev.pts.service.started', 'dev.pts.service.stopped')
                  WHERE h.service <> '' AND h.environment <> ''
                    AND (h.type = 'dev.pts.service.stopped'
                         OR (h.type = 'dev.pts.service.started' AND e.data->>'image' <> ''))
                 ) steps
            LEFT JOIN replay_images i ON i.image = steps.image) m
      WHERE moved) r
WHERE identity IS NOT NULL
"""


def rebuild(conn: psycopg.Connection, types: list[str]) -> None:
    """Fill the (empty) tables from the log's accepted events (not in replay_skipped)."""
    with phase("images images"):
        parse_distinct(conn, types)
    with phase("images handled"):
        conn.execute(HANDLED, (types,))
        conn.execute("ANALYZE images_handled_events")  # row counts for the joins below
    for name, statement in (("images", IMAGES), ("tags", TAGS), ("runs", RUNS)):
        with phase(f"images {name}"):
            conn.execute(statement)
