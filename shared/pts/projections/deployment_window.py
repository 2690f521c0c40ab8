"""Reading and writing the steps of environments' timelines (table deployment_steps).

Each step (a deployment succeeding, or rolled back) is stored with what was current after
it, so a delivery refolds only the steps from its earliest changed one on, starting from
the step just before: what was current is one index probe, whether a version ran before
one more, the deployment a rollback goes back to one more. Nothing reads the whole history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pts.projections import store
from pts.projections.facts import Key, Row

FULL = (datetime(1, 1, 1, tzinfo=UTC), 0)  # before every step: refold from the beginning
STEP = ("service", "environment", "at", "seq")


def _groups(starts: dict[Key, Key]) -> list[list[Any]]:
    keys = sorted(starts)
    return [[k[0] for k in keys], [k[1] for k in keys], [starts[k][0] for k in keys],
            [starts[k][1] for k in keys]]


BEFORE = """
SELECT g.service, g.environment, c.deployment_id AS stored_current,
       c.deployment_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM deployment_steps s
           WHERE s.service = g.service AND s.environment = g.environment) AS unstepped,
       l.current_deployment_id, l.current_version, l.current_image, l.current_image_digest,
       l.current_since
FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::bigint[]) g(service, environment,
                                                                      at, seq)
LEFT JOIN current_deployments c ON c.service = g.service AND c.environment = g.environment
LEFT JOIN LATERAL (
    SELECT * FROM deployment_steps s
    WHERE s.service = g.service AND s.environment = g.environment
      AND (s.at, s.seq) < (g.at, g.seq) ORDER BY s.at DESC, s.seq DESC LIMIT 1) l ON true
"""


def before(conn: psycopg.Connection, starts: dict[Key, Key]) -> dict[Key, Row]:
    """Per (service, environment): what was current just before its start (None if
    nothing), the deployment current now, and whether its steps were never stored (a
    database upgraded to 0013 with deployments: the group is refolded whole once)."""
    out = {}
    with conn.cursor(row_factory=dict_row) as cur:
        for r in cur.execute(BEFORE, _groups(starts)).fetchall():
            current = None if r["current_since"] is None else {
                "deployment_id": r["current_deployment_id"], "version": r["current_version"],
                "image": r["current_image"], "image_digest": r["current_image_digest"],
                "since": r["current_since"]}
            out[(r["service"], r["environment"])] = {
                "current": current, "stored_current": r["stored_current"],
                "unstepped": r["unstepped"]}
    return out


# = ANY(ARRAY(...)): the ids first, then index probes (an IN let the planner hash-join
# the whole table).
WINDOW_ROWS = """
SELECT * FROM deployments WHERE deployment_id = ANY(ARRAY(
    SELECT s.deployment_id
    FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::bigint[]) g(service,
                                                                       environment, at, seq)
    JOIN deployment_steps s ON s.service = g.service AND s.environment = g.environment
     AND (s.at, s.seq) >= (g.at, g.seq)))
"""


def window_rows(conn: psycopg.Connection, starts: dict[Key, Key]) -> list[Row]:
    """The deployments with a step at or after their group's start."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(WINDOW_ROWS, _groups(starts)).fetchall()


RAN = """
SELECT v.service, v.environment, v.version
FROM unnest(%b::text[], %b::text[], %b::text[], %b::timestamptz[], %b::bigint[])
     v(service, environment, version, at, seq)
WHERE EXISTS (SELECT 1 FROM deployment_steps s
              WHERE s.service = v.service AND s.environment = v.environment
                AND s.current_version = v.version AND (s.at, s.seq) < (v.at, v.seq))
"""


def ran_before(conn: psycopg.Connection, asks: list[Key]) -> set[Key]:
    """Of (service, environment, version, start) asks, those whose version was current
    there before start, as (service, environment, version)."""
    if not asks:
        return set()
    arrays = [[a[0] for a in asks], [a[1] for a in asks], [a[2] for a in asks],
              [a[3][0] for a in asks], [a[3][1] for a in asks]]
    return {tuple(r) for r in conn.execute(RAN, arrays).fetchall()}


EARLIER = """
SELECT current_deployment_id AS deployment_id, current_version AS version,
       current_image AS image, current_image_digest AS image_digest
FROM deployment_steps
WHERE service = %s AND environment = %s AND step = 'deploy' AND {version}
  AND deployment_id <> %s AND (at, seq) < (%s, %s)
ORDER BY at DESC, seq DESC LIMIT 1
"""


def earlier(conn: psycopg.Connection, group: Key,
            start: Key) -> Callable[[str, str | None], Row | None]:
    """A lookup for the rules: the last deployment other than `did` made current with
    `version` before start."""
    def find(did: str, version: str | None) -> Row | None:
        sql = EARLIER.format(version="current_version IS NULL" if version is None
                             else "current_version = %s")
        args = (group[0], group[1]) + (() if version is None else (version,)) + (
            did, start[0], start[1])
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(sql, args).fetchone()
    return find


def replace_from(conn: psycopg.Connection, starts: dict[Key, Key],
                 steps: list[Row]) -> None:
    """Drop each group's steps from its start on, then store the refolded ones."""
    conn.execute("DELETE FROM deployment_steps s USING unnest(%b::text[], %b::text[], "
                 "%b::timestamptz[], %b::bigint[]) AS g(service, environment, at, seq) "
                 "WHERE s.service = g.service AND s.environment = g.environment "
                 "AND (s.at, s.seq) >= (g.at, g.seq)", _groups(starts))
    store.insert(conn, "deployment_steps", steps)


def set_current_flags(conn: psycopg.Connection, ids: list[str], current: list[str]) -> None:
    """is_current of deployments outside the refolded windows (the one current before,
    the one current now) follows what is current now."""
    if ids:
        conn.execute("UPDATE deployments SET is_current = (deployment_id = ANY(%b)), "
                     "updated_at = now() WHERE deployment_id = ANY(%b) "
                     "AND is_current <> (deployment_id = ANY(%b))", (current, ids, current))
