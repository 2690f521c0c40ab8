"""GET /services and GET /services/{name}: the registry, and per environment the status,
health, current version and image; one service also with its recent transitions."""

from __future__ import annotations

from typing import Any

from pts.http.problem import Problem
from pts.search import deployments
from pts.search import schemas as s
from pts.search.cells import ALL_SERVICES, ENVIRONMENTS_OF, SOME_SERVICES
from pts.search.cells import keys as cell_keys
from pts.search.db import fetch, reading, times
from pts.search.environments import CELL_TIMES, finish, now_sql
from pts.search.events import CURSOR, LIMIT
from pts.search.keyset import Page, where_sql
from pts.search.params import Param, parse_query
from pts.search.routes import Context

RECENT = 50
REGISTRY = {
    "service": s.TEXT, "owner": s.TEXT_OR_NULL, "repository": s.TEXT_OR_NULL,
    "description": s.TEXT_OR_NULL, "tier": s.TEXT_OR_NULL, "registered_at": s.TIME_OR_NULL,
    "registered_implicitly": {"type": ["boolean", "null"]},
    "decommissioned_at": s.TIME_OR_NULL, "first_seen_at": s.TIME_OR_NULL,
    "last_seen_at": s.TIME_OR_NULL,
}
REGISTRY_TIMES = ("registered_at", "decommissioned_at", "first_seen_at", "last_seen_at")
TRANSITION = {"environment": s.TEXT, "kind": {"type": "string", "enum": ["state", "health"]},
              "from_value": s.TEXT_OR_NULL, "to_value": s.TEXT, "at": s.TIME,
              "reason": s.TEXT_OR_NULL, "event_seq": s.INT}
ENVIRONMENTS = {"type": "array", "items": s.ref("Cell")}
s.item("Transition", TRANSITION, "A change of state (running, stopped) or of health.")
s.item("Service", {**REGISTRY, "environments": ENVIRONMENTS},
       "A service: its registry entry and, per environment, what runs and how it is.")
s.listing("ServiceList", "Service")
s.item("ServiceDetail", {
    **REGISTRY, "environments": ENVIRONMENTS,
    "transitions": {"type": "array", "items": s.ref("Transition"),
                    "description": f"The {RECENT} most recent, newest first."},
    "deployments": {"type": "array", "items": s.ref("Deployment"),
                    "description": f"The {RECENT} most recent, newest first."},
}, "One service with its recent transitions and deployments.")

# Services named by a registry, service or deployment event (the deployments' by index skips).
NAMES = f"""(SELECT service FROM services UNION SELECT service FROM service_environments
    UNION SELECT service FROM ({ALL_SERVICES}) AS d)"""
COLUMNS = ", ".join("r." + k for k in REGISTRY if k != "service")
BASE = f"SELECT n.service, {COLUMNS} FROM {NAMES} AS n LEFT JOIN services r USING (service)"
ONE = f"""SELECT n.service, {COLUMNS} FROM (SELECT %(name)s::text AS service) AS n
LEFT JOIN services r USING (service)
WHERE r.service IS NOT NULL
   OR EXISTS (SELECT 1 FROM service_environments e WHERE e.service = n.service)
   OR EXISTS (SELECT 1 FROM deployments d WHERE d.service = n.service)"""
# The newest of a service: the newest of each of its environments, merged (one short
# index scan each, rather than sorting the service's whole history).
TRANSITIONS = f"""SELECT t.* FROM service_environments e CROSS JOIN LATERAL (
    SELECT {', '.join(TRANSITION)} FROM service_transitions t
    WHERE t.service = e.service AND t.environment = e.environment
    ORDER BY t.at DESC, t.event_seq DESC LIMIT %(n)s) AS t
WHERE e.service = %(name)s ORDER BY t.at DESC, t.event_seq DESC LIMIT %(n)s"""
DEPLOYMENTS = f"""SELECT d.* FROM (SELECT %(name)s::text AS service) AS n
CROSS JOIN LATERAL ({ENVIRONMENTS_OF}) AS e CROSS JOIN LATERAL (
    SELECT {deployments.COLUMNS} FROM deployments d
    WHERE d.service = n.service AND d.environment = e.environment
    ORDER BY d.first_event_at DESC, d.deployment_id DESC LIMIT %(n)s) AS d
ORDER BY d.first_event_at DESC, d.deployment_id DESC LIMIT %(n)s"""
IN_ENVIRONMENT = """EXISTS (SELECT 1 FROM service_environments e WHERE e.service = n.service
    AND e.environment = %(environment)s UNION ALL SELECT 1 FROM deployments d
    WHERE d.service = n.service AND d.environment = %(environment)s)"""

PARAMS = [
    Param("environment", "Only services seen in this environment."),
    Param("health", "Only services with this health in some environment "
          "(healthy, degraded, unhealthy, unknown)."),
    Param("owner", "Owner, exactly."),
    Param("tier", "Tier, exactly."),
    Param("decommissioned", "Only decommissioned (true) or only active (false) services.",
          "bool"),
    LIMIT, CURSOR,
]
NAME = Param("name", "The service's name.")


def _with_cells(conn, rows: list[dict]) -> list[dict]:
    cells: dict[str, list] = {r["service"]: [] for r in rows}
    for cell in fetch(conn, f"SELECT * FROM ({now_sql(cell_keys(SOME_SERVICES))}) AS m "
                      "ORDER BY environment, service",
                      {"names": list(cells)}):
        cells[cell["service"]].append(times(finish(cell), *CELL_TIMES))
    return [{**times(r, *REGISTRY_TIMES), "environments": cells[r["service"]]} for r in rows]


def list_services(ctx: Context) -> dict[str, Any]:
    """Services by name, each with its environments."""
    f = parse_query(ctx.args, PARAMS)
    conds, params = [], {}
    for name in ("owner", "tier"):
        if f[name]:
            conds.append(f"r.{name} = %({name})s")
            params[name] = f[name]
    if f["environment"]:
        conds.append(IN_ENVIRONMENT)
        params["environment"] = f["environment"]
    if f["health"]:
        conds.append("EXISTS (SELECT 1 FROM service_environments e WHERE e.service = "
                     "n.service AND e.health = %(health)s)")
        params["health"] = f["health"]
    if f["decommissioned"] is not None:
        conds.append("(r.decommissioned_at IS NOT NULL) = %(decommissioned)s")
        params["decommissioned"] = f["decommissioned"]
    page = Page("services", f, ("n.service",), ("text",), descending=False)
    secret = ctx.cursor_secret
    page.resume(secret, conds, params)
    with reading(ctx.settings) as conn:
        rows, next_cursor = page.run(conn, BASE + where_sql(conds), params, secret,
                                     lambda r: (r["service"],))
        items = _with_cells(conn, rows)
    return {"items": items, "next_cursor": next_cursor}


def get_service(ctx: Context) -> dict[str, Any]:
    """One service: registry, environments, recent transitions and deployments; 404."""
    parse_query(ctx.args, [])
    name = ctx.path["name"]
    with reading(ctx.settings) as conn:
        rows = fetch(conn, ONE, {"name": name})
        if not rows:
            raise Problem(404, f"no service {name!r}")
        (item,) = _with_cells(conn, rows)
        recent = {"name": name, "n": RECENT}
        item["transitions"] = [times(t, "at") for t in fetch(conn, TRANSITIONS, recent)]
        item["deployments"] = [times(d, *deployments.TIMES)
                               for d in fetch(conn, DEPLOYMENTS, recent)]
    return item
