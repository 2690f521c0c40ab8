"""The reads behind GET /dora: deployments from the projection, changes and incidents from
the log. Each is one indexed query (migrations/versions/0009_insights.py); the partial
indexes' predicates are repeated here word for word, or the planner could not use them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pts.db.rows import fetch

# A succeeded deployment that an inferred rollback replaced counts as rolled back, at the
# rollback's finish (docs/dora.md).
_DEPLOYMENT = """
SELECT d.deployment_id, d.service, d.commit, d.finished_at,
    CASE WHEN d.status = 'succeeded' AND r.at IS NOT NULL THEN 'rolled_back'
         ELSE d.status END AS status
FROM deployments d
LEFT JOIN LATERAL (SELECT min(x.finished_at) AS at FROM deployments x
                   WHERE x.replaced_deployment_id = d.deployment_id AND x.rollback_inferred
                  ) AS r ON true
"""

WINDOW = _DEPLOYMENT + """
WHERE d.environment = %(environment)s {service}
  AND d.finished_at >= %(since)s AND d.finished_at < %(until)s
ORDER BY d.finished_at, d.deployment_id
"""

# Per service: the first deployment to finish at or after `until`, and the first of those
# whose final status is succeeded.
NEXT = """
SELECT g.service,
    (SELECT min(d.finished_at) FROM deployments d
     WHERE d.service = g.service AND d.environment = %(environment)s
       AND d.finished_at >= %(until)s) AS next_finish,
    (SELECT n.finished_at FROM ({deployment}) AS n
     WHERE n.status = 'succeeded' ORDER BY n.finished_at LIMIT 1) AS next_success
FROM unnest(%(services)s::text[]) AS g(service)
""".format(deployment=_DEPLOYMENT + """
     WHERE d.service = g.service AND d.environment = %(environment)s
       AND d.finished_at >= %(until)s""")

SHIPPED = """
SELECT data ->> 'deployment_id' AS deployment_id, data -> 'changes' AS changes,
    data -> 'commit_time' AS commit_time
FROM platform_events
WHERE type LIKE 'dev.pts.deployment.%%' AND (data ? 'changes' OR data ? 'commit_time')
  AND (data ->> 'deployment_id') = ANY(%(ids)s)
"""

MERGED = """
SELECT data ->> 'commit' AS commit, data -> 'time' AS time, occurred_at
FROM platform_events
WHERE type = 'dev.pts.change.merged' AND (data ->> 'commit') = ANY(%(commits)s)
"""

INCIDENTS_OPENED = """
SELECT DISTINCT data ->> 'incident_id' AS incident_id
FROM platform_events
WHERE type IN ('dev.pts.incident.opened', 'dev.pts.incident.resolved')
  AND environment = %(environment)s AND occurred_at >= %(low)s {high}
  AND type = 'dev.pts.incident.opened' AND data ? 'incident_id'
"""

INCIDENT_EVENTS = """
SELECT type, data ->> 'incident_id' AS incident_id, service, environment, occurred_at, seq
FROM platform_events
WHERE type IN ('dev.pts.incident.opened', 'dev.pts.incident.resolved')
  AND (data ->> 'incident_id') = ANY(%(ids)s)
ORDER BY occurred_at, seq
"""


def window(conn, environment: str, service: str | None, since: datetime,
           until: datetime) -> list[dict[str, Any]]:
    """Deployments of the environment (and service) that finished in [since, until), with
    their final status, in finish order."""
    params = {"environment": environment, "service": service, "since": since, "until": until}
    cond = "AND d.service = %(service)s" if service is not None else ""
    return fetch(conn, WINDOW.format(service=cond), params)


def following(conn, environment: str, services: list[str],
              until: datetime) -> dict[str, dict[str, Any]]:
    """Per service: when the next deployment, and the next succeeded one, finished at or
    after until (None when none has yet)."""
    rows = fetch(conn, NEXT, {"environment": environment, "services": services,
                              "until": until})
    return {r["service"]: r for r in rows}


def shipped(conn, ids: list[str]) -> list[dict[str, Any]]:
    """The `changes` and `commit_time` of every event of these deployments that has one."""
    return fetch(conn, SHIPPED, {"ids": ids}) if ids else []


def merged(conn, commits: list[str]) -> list[dict[str, Any]]:
    """The change.merged events of these commits."""
    return fetch(conn, MERGED, {"commits": commits}) if commits else []


def incidents(conn, environment: str, low: datetime,
              high: datetime | None) -> list[dict[str, Any]]:
    """Every event of each incident with an `opened` event in the environment in
    [low, high) (high None: no end), in event-time order."""
    params = {"environment": environment, "low": low, "high": high}
    cond = "AND occurred_at < %(high)s" if high is not None else ""
    ids = [r["incident_id"] for r in fetch(conn, INCIDENTS_OPENED.format(high=cond), params)]
    return fetch(conn, INCIDENT_EVENTS, {"ids": ids}) if ids else []
