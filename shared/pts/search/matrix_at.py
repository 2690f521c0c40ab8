"""The service x environment matrix as it was at a past time (`GET /environments?at=`).

What was current in a cell at `at` is its last stored timeline step at or before `at`
(table deployment_steps: the deployments handler stores each step with what was current
after it), state and health their last transitions by then, the last deployment the last
one begun by then: a few index probes per cell, whatever the length of the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from pts.projections.deployment_rules import environment_timeline
from pts.search.db import fetch

# The cells that exist now (every cell of a past matrix is one of them), then per cell the
# probes. `unstepped`: a cell whose deployments predate migration 0013 and whose timeline
# the handler has not stored yet (it is folded from its deployments instead, below).
AT = """
SELECT c.service, c.environment, st.current_version AS version, st.current_image AS image,
    st.current_image_digest AS image_digest, st.current_deployment_id AS deployment_id,
    st.current_since AS since, sta.to_value AS state, sta.at AS state_since,
    hea.to_value AS health, hea.at AS health_since,
    ld.deployment_id AS last_deployment_id,
    CASE WHEN ld.rolled_back_at <= %(at)s OR ld.deployment_id IS NULL THEN ld.status
         WHEN ld.finished_at IS NULL OR ld.finished_at > %(at)s THEN 'started'
         WHEN ld.rolled_back_at IS NOT NULL THEN 'succeeded'
         ELSE ld.status END AS last_deployment_status,
    ld.first_event_at AS last_deployment_at,
    st.at IS NULL AND NOT EXISTS (SELECT 1 FROM deployment_steps s
        WHERE s.service = c.service AND s.environment = c.environment)
      AND EXISTS (SELECT 1 FROM current_deployments cd
        WHERE cd.service = c.service AND cd.environment = c.environment) AS unstepped
FROM ({cells}) AS c
LEFT JOIN LATERAL (
    SELECT deployment_id, status, finished_at, rolled_back_at, first_event_at
    FROM deployments d WHERE d.service = c.service AND d.environment = c.environment
      AND d.first_event_at <= %(at)s
    ORDER BY d.first_event_at DESC, d.deployment_id DESC LIMIT 1) AS ld ON true
LEFT JOIN LATERAL (
    SELECT * FROM deployment_steps s WHERE s.service = c.service
      AND s.environment = c.environment AND s.at <= %(at)s
    ORDER BY s.at DESC, s.seq DESC LIMIT 1) AS st ON true
LEFT JOIN LATERAL (
    SELECT to_value, at FROM service_transitions t WHERE t.service = c.service
      AND t.environment = c.environment AND t.kind = 'state' AND t.at <= %(at)s
    ORDER BY t.at DESC, t.event_seq DESC LIMIT 1) AS sta ON true
LEFT JOIN LATERAL (
    SELECT to_value, at FROM service_transitions t WHERE t.service = c.service
      AND t.environment = c.environment AND t.kind = 'health' AND t.at <= %(at)s
    ORDER BY t.at DESC, t.event_seq DESC LIMIT 1) AS hea ON true
WHERE ld.deployment_id IS NOT NULL OR sta.at IS NOT NULL OR hea.at IS NOT NULL
"""

DEPLOYMENTS = """
SELECT deployment_id, service, environment, status, version, image, image_digest,
    first_event_at, finished_at, succeeded_at, succeeded_seq, rolled_back_at,
    rolled_back_seq, rolled_back_to_version
FROM deployments WHERE service = %(service)s AND environment = %(environment)s
  AND first_event_at <= %(at)s
ORDER BY first_event_at, deployment_id
"""

CURRENT = ("deployment_id", "version", "image", "image_digest", "since")


def sql(cells: str) -> str:
    """The past matrix over the cells a query (columns service, environment) yields."""
    return AT.format(cells=cells)


def fold_unstepped(conn: psycopg.Connection, at: datetime, row: dict[str, Any]) -> None:
    """What was current in a cell without stored steps: its deployments up to `at` folded
    with the handler's rules, each step counted only if it happened by then."""
    rows = fetch(conn, DEPLOYMENTS, {"service": row["service"],
                                     "environment": row["environment"], "at": at})
    for r in rows:
        if r["succeeded_at"] is not None and r["succeeded_at"] > at:
            r.update(succeeded_at=None, succeeded_seq=None)
        if r["rolled_back_at"] is not None and r["rolled_back_at"] > at:
            r.update(rolled_back_at=None, rolled_back_seq=None, status="succeeded")
    _, current, _ = environment_timeline(rows)
    row.update({k: current[k] for k in CURRENT} if current else dict.fromkeys(CURRENT))
