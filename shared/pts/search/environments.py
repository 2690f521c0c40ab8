"""The service x environment matrix: what runs where now (`GET /environments`), or at any
past time (`?at=`), recomputed from the deployments with the handlers' own rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from pydantic import Field

from pts.projections.deployment_rules import environment_timeline
from pts.projections.imageref import parse_image
from pts.search.answers import answer, listing
from pts.search.db import fetch, reading, times
from pts.search.pagination import Keyset, Page
from pts.search.params import ListQuery, Text, Time
from pts.search.routes import Context

_TEXT = (str | None, Field())
_TIME = (datetime | None, Field())
Cell = answer("Cell", "One service in one environment: current version, image, digest, "
              "state, health, and the last deployment there.", {
                  "service": (str, Field()), "environment": (str, Field()),
                  "version": _TEXT, "image": _TEXT, "image_digest": _TEXT,
                  "deployment_id": _TEXT,
                  "since": (datetime | None, Field(description="Since when this version "
                                                   "runs there.")),
                  "state": _TEXT, "state_since": _TIME, "health": _TEXT, "health_since": _TIME,
                  "last_deployment_id": _TEXT, "last_deployment_status": _TEXT,
                  "last_deployment_at": _TIME})
CellList = listing("CellList", Cell)
CELL = tuple(Cell.model_fields)
CELL_TIMES = ("since", "state_since", "health_since", "last_deployment_at")
KEYSET = Keyset("environments", ("environment", "service"), ("text", "text"))

# The current matrix: every (service, environment) a deployment or a service event named.
NOW = """
SELECT c.service, c.environment, COALESCE(cd.version, se.version) AS version,
    COALESCE(cd.image, se.image) AS image, cd.image_digest, cd.deployment_id,
    COALESCE(cd.since, se.version_since) AS since, se.state, se.state_since,
    se.health, se.health_since, ld.deployment_id AS last_deployment_id,
    ld.status AS last_deployment_status, ld.last_event_at AS last_deployment_at
FROM (SELECT service, environment FROM current_deployments
      UNION SELECT service, environment FROM service_environments
      UNION SELECT service, environment FROM deployments) AS c
LEFT JOIN current_deployments cd USING (service, environment)
LEFT JOIN service_environments se USING (service, environment)
LEFT JOIN LATERAL (
    SELECT deployment_id, status, last_event_at FROM deployments d
    WHERE d.service = c.service AND d.environment = c.environment
    ORDER BY first_event_at DESC, deployment_id DESC LIMIT 1) AS ld ON true
"""

DEPLOYMENTS_AT = """
SELECT deployment_id, service, environment, status, version, image, image_digest,
    first_event_at, finished_at, succeeded_at, succeeded_seq, rolled_back_at,
    rolled_back_seq, rolled_back_to_version
FROM deployments WHERE first_event_at <= %(at)s {extra}
ORDER BY service, environment, first_event_at, deployment_id
"""

TRANSITIONS_AT = """
SELECT DISTINCT ON (service, environment, kind) service, environment, kind, to_value, at
FROM service_transitions WHERE at <= %(at)s {extra}
ORDER BY service, environment, kind, at DESC, event_seq DESC
"""


def finish(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell as the API shows it: the digest read from the image when only it has one."""
    if cell["image_digest"] is None and cell["image"]:
        ref = parse_image(cell["image"])
        cell["image_digest"] = ref.digest if ref else None
    return cell


def cells_at(conn: psycopg.Connection, at: datetime, conds: list[str],
             params: dict[str, Any]) -> list[dict[str, Any]]:
    """The matrix as it was at `at`: deployments folded with the handlers' rules, each
    step counted only if it happened by then; state and health from their transitions."""
    extra = "".join(f" AND {c}" for c in conds)
    params = {**params, "at": at}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in fetch(conn, DEPLOYMENTS_AT.format(extra=extra), params):
        if row["succeeded_at"] is not None and row["succeeded_at"] > at:
            row.update(succeeded_at=None, succeeded_seq=None)
        if row["rolled_back_at"] is not None and row["rolled_back_at"] > at:
            row.update(rolled_back_at=None, rolled_back_seq=None, status="succeeded")
        groups.setdefault((row["service"], row["environment"]), []).append(row)
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for key, rows in groups.items():
        _, current, _ = environment_timeline(rows)
        last = rows[-1]
        status = last["status"]
        if last["rolled_back_at"] is None and (last["finished_at"] is None
                                               or last["finished_at"] > at):
            status = "started"  # it had not finished yet
        cell = dict.fromkeys(CELL)
        cell.update(service=key[0], environment=key[1], last_deployment_id=last["deployment_id"],
                    last_deployment_status=status, last_deployment_at=last["first_event_at"])
        if current:
            cell.update({k: current[k] for k in ("deployment_id", "version", "image",
                                                  "image_digest", "since")})
        cells[key] = cell
    for t in fetch(conn, TRANSITIONS_AT.format(extra=extra), params):
        cell = cells.setdefault((t["service"], t["environment"]), {
            **dict.fromkeys(CELL), "service": t["service"], "environment": t["environment"]})
        cell[t["kind"]], cell[f"{t['kind']}_since"] = t["to_value"], t["at"]
    return [finish(cells[k]) for k in sorted(cells, key=lambda k: (k[1], k[0]))]


class EnvironmentQuery(ListQuery):
    service: Text | None = Field(None, description="Service, exactly.")
    environment: Text | None = Field(None, description="Environment, exactly.")
    at: Time | None = Field(None, description="The matrix as it was at this time, from the "
                            "deployments (and state and health from their transitions); "
                            "default: now.")


def cells(conn: psycopg.Connection, f: EnvironmentQuery,
          secret: str) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the matrix (now, or at f.at) ordered by environment then service."""
    conds, params = [], {}
    for name in ("service", "environment"):
        if getattr(f, name):
            conds.append(f"{name} = %({name})s")
            params[name] = getattr(f, name)
    page = Page(KEYSET, f, secret)
    if f.at is None:
        rows, next_cursor = page.run(conn, f"SELECT * FROM ({NOW}) AS m", conds, params)
        return [finish(r) for r in rows], next_cursor
    # History is recomputed in full, then paged the same way (keyset on the sort key).
    return page.of(cells_at(conn, f.at, conds, params))


def list_environments(ctx: Context, f: EnvironmentQuery) -> dict[str, Any]:
    """The service x environment matrix, now or at a past time."""
    with reading(ctx.settings) as conn:
        rows, next_cursor = cells(conn, f, ctx.cursor_secret)
    return {"items": [times(r, *CELL_TIMES) for r in rows], "next_cursor": next_cursor}
