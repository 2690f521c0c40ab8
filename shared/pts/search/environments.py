"""The service x environment matrix: what runs where now (`GET /environments`), or at any
past time (`?at=`, pts.search.matrix_at), read from the projections."""

from __future__ import annotations

from typing import Any

from pts.projections.imageref import parse_image
from pts.search import matrix_at
from pts.search import schemas as s
from pts.search.cells import ONE_SERVICE
from pts.search.cells import keys as cell_keys
from pts.search.db import reading, times
from pts.search.events import CURSOR, LIMIT
from pts.search.keyset import Page, where_sql
from pts.search.params import Param, parse_query
from pts.search.routes import Context

CELL = {
    "service": s.TEXT, "environment": s.TEXT,
    "version": s.TEXT_OR_NULL, "image": s.TEXT_OR_NULL, "image_digest": s.TEXT_OR_NULL,
    "deployment_id": s.TEXT_OR_NULL,
    "since": {**s.TIME_OR_NULL, "description": "Since when this version runs there."},
    "state": s.TEXT_OR_NULL, "state_since": s.TIME_OR_NULL,
    "health": s.TEXT_OR_NULL, "health_since": s.TIME_OR_NULL,
    "last_deployment_id": s.TEXT_OR_NULL, "last_deployment_status": s.TEXT_OR_NULL,
    "last_deployment_at": s.TIME_OR_NULL,
}
CELL_TIMES = ("since", "state_since", "health_since", "last_deployment_at")
s.item("Cell", CELL, "One service in one environment: current version, image, digest, "
       "state, health, and the last deployment there.")
s.listing("CellList", "Cell")

# The current matrix over given cells (pts.search.cells): per cell what the deployments
# made current, the service events' state and health, and the last deployment begun there,
# each an index probe (LATERAL ... LIMIT 1 keeps it one: a hash join read whole tables).
NOW = """
SELECT c.service, c.environment, COALESCE(cd.version, se.version) AS version,
    COALESCE(cd.image, se.image) AS image, cd.image_digest, cd.deployment_id,
    COALESCE(cd.since, se.version_since) AS since, se.state, se.state_since,
    se.health, se.health_since, ld.deployment_id AS last_deployment_id,
    ld.status AS last_deployment_status, ld.last_event_at AS last_deployment_at
FROM ({cells}) AS c
LEFT JOIN LATERAL (SELECT * FROM current_deployments cd
    WHERE cd.service = c.service AND cd.environment = c.environment LIMIT 1) AS cd ON true
LEFT JOIN LATERAL (SELECT * FROM service_environments se
    WHERE se.service = c.service AND se.environment = c.environment LIMIT 1) AS se ON true
LEFT JOIN LATERAL (
    SELECT deployment_id, status, last_event_at FROM deployments d
    WHERE d.service = c.service AND d.environment = c.environment
    ORDER BY first_event_at DESC, deployment_id DESC LIMIT 1) AS ld ON true
"""


def now_sql(cells: str) -> str:
    """The current matrix over the cells a query (columns service, environment) yields."""
    return NOW.format(cells=cells)


def finish(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell as the API shows it: the digest read from the image when only it has one."""
    if cell["image_digest"] is None and cell["image"]:
        ref = parse_image(cell["image"])
        cell["image_digest"] = ref.digest if ref else None
    return cell


PARAMS = [
    Param("service", "Service, exactly."),
    Param("environment", "Environment, exactly."),
    Param("at", "The matrix as it was at this time, from the deployments (and state and "
          "health from their transitions); default: now.", "time"),
    LIMIT, CURSOR,
]


def cells(conn, f: dict[str, Any], secret: str) -> tuple[list[dict], str | None]:
    """A page of the matrix (now, or at f["at"]) ordered by environment then service."""
    params = {name: f[name] for name in ("service", "environment") if f.get(name)}
    keys = cell_keys(ONE_SERVICE if f.get("service") else None, bool(f.get("environment")))
    page = Page("environments", f, ("environment", "service"), ("text", "text"),
                descending=False)
    conds: list[str] = []
    page.resume(secret, conds, params)
    at = f.get("at")
    if at is not None:
        params["at"] = at
    sql = now_sql(keys) if at is None else matrix_at.sql(keys)
    rows, next_cursor = page.run(conn, f"SELECT * FROM ({sql}) AS m{where_sql(conds)}",
                                 params, secret, lambda r: (r["environment"], r["service"]))
    for row in rows:
        if row.pop("unstepped", False) and at is not None:  # only the matrix at a time has them
            matrix_at.fold_unstepped(conn, at, row)
    return [finish(r) for r in rows], next_cursor


def list_environments(ctx: Context) -> dict[str, Any]:
    """The service x environment matrix, now or at a past time."""
    f = parse_query(ctx.args, PARAMS)
    with reading(ctx.settings) as conn:
        rows, next_cursor = cells(conn, f, ctx.cursor_secret)
    return {"items": [times(r, *CELL_TIMES) for r in rows], "next_cursor": next_cursor}
