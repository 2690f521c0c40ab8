"""GET /services and GET /services/{name}: the registry, and per environment the status,
health, current version and image; one service also with its recent transitions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pts.http.answers import answer, columns_of, listing
from pts.http.problem import Problem
from pts.projections.models import Service, ServiceTransition
from pts.search import deployments
from pts.search.cells import SOME_SERVICES
from pts.search.cells import keys as cell_keys
from pts.search.db import fetch, fetch_all, reading
from pts.search.environments import Cell, finish, now_sql
from pts.search.pagination import Keyset, Page
from pts.search.params import Bool, ListQuery, Query, Text
from pts.search.routes import Context

RECENT = 50
REGISTRY_NAMES = ("owner", "repository", "description", "tier", "registered_at",
                  "registered_implicitly", "decommissioned_at", "first_seen_at", "last_seen_at")
# A service named only by a deployment or an event has no registry entry: all null then.
REGISTRY = {"service": (str, Field()), **columns_of(Service, REGISTRY_NAMES, nullable=True)}
REGISTRY_TIMES = ("registered_at", "decommissioned_at", "first_seen_at", "last_seen_at")
TRANSITION_NAMES = ("environment", "kind", "from_value", "to_value", "at", "reason",
                    "event_seq")
Transition = answer("Transition", "A change of state (running, stopped) or of health.", {
    **columns_of(ServiceTransition, TRANSITION_NAMES),
    "kind": (Literal["state", "health"], Field())})
ENVIRONMENTS = (list[Cell], Field())  # type: ignore[valid-type]
ServiceAnswer = answer("Service", "A service: its registry entry and, per environment, what "
                       "runs and how it is.", {**REGISTRY, "environments": ENVIRONMENTS})
ServiceList = listing("ServiceList", ServiceAnswer)
ServiceDetail = answer("ServiceDetail", "One service with its recent transitions and "
                       "deployments.", {
                           **REGISTRY, "environments": ENVIRONMENTS,
                           "transitions": (list[Transition], Field(  # type: ignore[valid-type]
                               description=f"The {RECENT} most recent, newest first.")),
                           "deployments": (list[deployments.Deployment],  # type: ignore[valid-type]
                                           Field(description=f"The {RECENT} most recent, "
                                                 "newest first."))})
KEYSET = Keyset("services", ("n.service",), ("text",))

# Services named by a registry, service or deployment event (service_environments has a row
# for every cell a deployment named: pts.search.cells).
NAMES = "(SELECT service FROM services UNION SELECT service FROM service_environments)"
COLUMNS = ", ".join("r." + k for k in REGISTRY_NAMES)
BASE = f"SELECT n.service, {COLUMNS} FROM {NAMES} AS n LEFT JOIN services r USING (service)"
ONE = f"""SELECT n.service, {COLUMNS} FROM (SELECT %(name)s::text AS service) AS n
LEFT JOIN services r USING (service)
WHERE r.service IS NOT NULL
   OR EXISTS (SELECT 1 FROM service_environments e WHERE e.service = n.service)"""
# The newest of a service: the newest of each of its environments, merged (one short
# index scan each, rather than sorting the service's whole history).
TRANSITIONS = f"""SELECT t.* FROM service_environments e CROSS JOIN LATERAL (
    SELECT {', '.join(TRANSITION_NAMES)} FROM service_transitions t
    WHERE t.service = e.service AND t.environment = e.environment
    ORDER BY t.at DESC, t.event_seq DESC LIMIT %(n)s) AS t
WHERE e.service = %(name)s ORDER BY t.at DESC, t.event_seq DESC LIMIT %(n)s"""
DEPLOYMENTS = f"""SELECT d.* FROM service_environments e CROSS JOIN LATERAL (
    SELECT {deployments.COLUMNS} FROM deployments d
    WHERE d.service = e.service AND d.environment = e.environment
    ORDER BY d.first_event_at DESC, d.deployment_id DESC LIMIT %(n)s) AS d
WHERE e.service = %(name)s ORDER BY d.first_event_at DESC, d.deployment_id DESC LIMIT %(n)s"""
IN_ENVIRONMENT = """EXISTS (SELECT 1 FROM service_environments e WHERE e.service = n.service
    AND e.environment = %(environment)s)"""


class ServiceQuery(ListQuery):
    environment: Text | None = Field(None, description="Only services seen in this "
                                     "environment.")
    health: Text | None = Field(None, description="Only services with this health in some "
                                "environment (healthy, degraded, unhealthy, unknown).")
    owner: Text | None = Field(None, description="Owner, exactly.")
    tier: Text | None = Field(None, description="Tier, exactly.")
    decommissioned: Bool | None = Field(None, description="Only decommissioned (true) or "
                                        "only active (false) services.")


class ServicePath(Query):
    PATH = ("name",)

    name: Text = Field(description="The service's name.")


def _cells_query(names: list[str]) -> tuple[str, dict[str, Any]]:
    return (f"SELECT * FROM ({now_sql(cell_keys(SOME_SERVICES))}) AS m "
            "ORDER BY environment, service", {"names": names})


def _with_cells(rows: list[dict[str, Any]],
                found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """rows (registry entries) each with its cells among found (_cells_query's rows), all
    read with text_times."""
    cells: dict[str, list[dict[str, Any]]] = {r["service"]: [] for r in rows}
    for cell in found:
        if cell["service"] in cells:
            cells[cell["service"]].append(finish(cell))
    return [{**r, "environments": cells[r["service"]]} for r in rows]


def list_services(ctx: Context, f: ServiceQuery) -> dict[str, Any]:
    """Services by name, each with its environments."""
    conds, params = [], {}
    for name in ("owner", "tier"):
        if getattr(f, name):
            conds.append(f"r.{name} = %({name})s")
            params[name] = getattr(f, name)
    if f.environment:
        conds.append(IN_ENVIRONMENT)
        params["environment"] = f.environment
    if f.health:
        conds.append("EXISTS (SELECT 1 FROM service_environments e WHERE e.service = "
                     "n.service AND e.health = %(health)s)")
        params["health"] = f.health
    if f.decommissioned is not None:
        conds.append("(r.decommissioned_at IS NOT NULL) = %(decommissioned)s")
        params["decommissioned"] = f.decommissioned
    page = Page(KEYSET, f, ctx.cursor_secret)
    with reading(ctx.settings, batched=True) as conn:
        rows, next_cursor = page.run(conn, BASE, conds, params, text_times=True)
        items = _with_cells(rows, fetch(conn, *_cells_query([r["service"] for r in rows]),
                                        text_times=True))
    return {"items": items, "next_cursor": next_cursor}


def get_service(ctx: Context, f: ServicePath) -> dict[str, Any]:
    """One service: registry, environments, recent transitions and deployments; 404."""
    name = f.name
    recent = {"name": name, "n": RECENT}
    # One round trip: the four queries are independent (a 404 is known from the first).
    with reading(ctx.settings, batched=True) as conn:
        rows, cells, transitions, deps = fetch_all(conn, [
            (ONE, {"name": name}), _cells_query([name]), (TRANSITIONS, recent),
            (DEPLOYMENTS, recent)], text_times=True)
    if not rows:
        raise Problem(404, f"no service {name!r}")
    (item,) = _with_cells(rows, cells)
    item["transitions"] = transitions
    item["deployments"] = deps
    return item
