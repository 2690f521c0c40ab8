"""The service x environment matrix: what runs where now (`GET /environments`), or at any
past time (`?at=`, pts.search.matrix_at), read from the projections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from pydantic import Field

from pts.http.answers import answer, listing
from pts.projections.imageref import parse_image
from pts.search import matrix_at
from pts.search.cells import ONE_SERVICE
from pts.search.cells import keys as cell_keys
from pts.search.db import reading, times
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

# The current matrix over given cells (pts.search.cells: their service_environments rows,
# which hold the service events' state and health): per cell what the deployments made
# current and the last deployment begun there, each an index probe (LATERAL ... LIMIT 1
# keeps it one: a hash join read whole tables).
NOW = """
SELECT se.service, se.environment, COALESCE(cd.version, se.version) AS version,
    COALESCE(cd.image, se.image) AS image, cd.image_digest, cd.deployment_id,
    COALESCE(cd.since, se.version_since) AS since, se.state, se.state_since,
    se.health, se.health_since, ld.deployment_id AS last_deployment_id,
    ld.status AS last_deployment_status, ld.last_event_at AS last_deployment_at
FROM ({cells}) AS se
LEFT JOIN LATERAL (SELECT * FROM current_deployments cd
    WHERE cd.service = se.service AND cd.environment = se.environment LIMIT 1) AS cd ON true
LEFT JOIN LATERAL (
    SELECT deployment_id, status, last_event_at FROM deployments d
    WHERE d.service = se.service AND d.environment = se.environment
    ORDER BY first_event_at DESC, deployment_id DESC LIMIT 1) AS ld ON true
"""


def now_sql(cells: str) -> str:
    """The current matrix over the cells a query (service_environments rows) yields."""
    return NOW.format(cells=cells)


def finish(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell as the API shows it: the digest read from the image when only it has one."""
    if cell["image_digest"] is None and cell["image"]:
        ref = parse_image(cell["image"])
        cell["image_digest"] = ref.digest if ref else None
    return cell


class EnvironmentQuery(ListQuery):
    service: Text | None = Field(None, description="Service, exactly.")
    environment: Text | None = Field(None, description="Environment, exactly.")
    at: Time | None = Field(None, description="The matrix as it was at this time, from the "
                            "deployments (and state and health from their transitions); "
                            "default: now.")


def cells(conn: psycopg.Connection, f: EnvironmentQuery,
          secret: str) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the matrix (now, or at f.at) ordered by environment then service; times
    as text, but for cells folded from their deployments (pass them through `times`)."""
    params: dict[str, Any] = {n: getattr(f, n) for n in ("service", "environment")
                              if getattr(f, n)}
    keys = cell_keys(ONE_SERVICE if f.service else None, bool(f.environment))
    page = Page(KEYSET, f, secret)
    at = f.at
    if at is not None:
        params["at"] = at
    sql = now_sql(keys) if at is None else matrix_at.sql(keys)
    rows, next_cursor = page.run(conn, f"SELECT * FROM ({sql}) AS m", [], params,
                                 text_times=True)
    for row in rows:
        if row.pop("unstepped", False) and at is not None:  # only the matrix at a time has them
            matrix_at.fold_unstepped(conn, at, row)
    return [finish(r) for r in rows], next_cursor


def list_environments(ctx: Context, f: EnvironmentQuery) -> dict[str, Any]:
    """The service x environment matrix, now or at a past time."""
    with reading(ctx.settings, batched=True) as conn:
        rows, next_cursor = cells(conn, f, ctx.cursor_secret)
    return {"items": [times(r, *CELL_TIMES) for r in rows], "next_cursor": next_cursor}
