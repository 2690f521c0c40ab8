"""The services projection: services, service_environments and service_transitions."""

from __future__ import annotations

from collections import defaultdict

import psycopg

from pts.projections import service_rules as rules
from pts.projections import store
from pts.projections.deployments import TYPES as DEPLOYMENT_TYPES
from pts.projections.engine import Projection
from pts.projections.facts import Fact, handled_facts

SERVICE = "dev.pts.service."
TYPES = tuple(SERVICE + k for k in
              ("registered", "started", "stopped", "health_changed", "decommissioned"))
# Any event naming a service registers it implicitly.
ALL_TYPES = TYPES + DEPLOYMENT_TYPES + ("dev.pts.image.published",)
REGISTRY_TYPES = [SERVICE + "registered", SERVICE + "decommissioned"]
STATE_TYPES = [SERVICE + "started", SERVICE + "stopped", SERVICE + "health_changed"]
PAIR = ("service", "environment")


class Services(Projection):
    name = "services"
    types = ALL_TYPES
    handled_table = "services_handled_events"
    handled_columns = PAIR
    tables = ("services", "service_environments", "service_transitions",
              "services_handled_events")

    def handled_row(self, fact: Fact) -> tuple:
        service = fact.get("service")
        return (service, fact.get("environment") if service else None)

    def lock_keys(self, fact: Fact):
        if fact.get("service"):
            yield f"service:{fact.get('service')}"

    def recompute(self, conn: psycopg.Connection, facts: list[Fact]) -> None:
        services = sorted({f.get("service") for f in facts if f.get("service")})
        pairs = sorted({(f.get("service"), f.get("environment")) for f in facts
                        if f.get("service") and f.get("environment")})
        if not services:
            return
        seen = dict(_seen(conn, "service = ANY(%s) GROUP BY service", (services,), 1))
        by_service = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               "h.service = ANY(%s) AND h.type = ANY(%s)",
                               (services, REGISTRY_TYPES)):
            by_service[f.get("service")].append(f)
        store.replace(conn, "services", ("service",), [(s,) for s in services],
                      [rules.fold_registry(s, by_service[s], *seen[s]) for s in services])
        if not pairs:
            return
        where = f"({', '.join(PAIR)}) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
        keys = ([p[0] for p in pairs], [p[1] for p in pairs])
        pair_seen = {k[:2]: k[2] for k in _seen(conn, where + " GROUP BY service, environment",
                                                keys, 2)}
        by_pair = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               "(h.service, h.environment) IN (SELECT * FROM unnest("
                               "%s::text[], %s::text[])) AND h.type = ANY(%s)",
                               (*keys, STATE_TYPES)):
            by_pair[(f.get("service"), f.get("environment"))].append(f)
        rows, transitions = [], []
        for pair in pairs:
            row, changes = rules.fold_environment(*pair, by_pair[pair], *pair_seen[pair])
            rows.append(row)
            transitions += changes
        store.replace(conn, "service_environments", PAIR, pairs, rows)
        store.replace(conn, "service_transitions", PAIR, pairs, transitions)


def _seen(conn, where: str, params: tuple, width: int):
    """(key..., (first, last)) event times per key, over every handled event."""
    cols = ", ".join(PAIR[:width])
    for row in conn.execute(
        f"SELECT {cols}, min(occurred_at), max(occurred_at) FROM services_handled_events "
        f"WHERE {where}", params,
    ):
        yield (*row[:width], (row[width], row[width + 1])) if width == 2 else (
            row[0], (row[1], row[2]))


PROJECTION = Services()
