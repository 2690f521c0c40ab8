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
        named = [f for f in facts if f.get("service")]
        if not named:
            return
        _touch(conn, named)
        services = sorted({f.get("service") for f in named if f.type in REGISTRY_TYPES})
        pairs = sorted({(f.get("service"), f.get("environment")) for f in named
                        if f.type in STATE_TYPES})
        if services:
            self._registry(conn, services)
        if pairs:
            self._environments(conn, pairs)

    def _registry(self, conn: psycopg.Connection, services: list[str]) -> None:
        seen = dict(_seen(conn, "service = ANY(%s) GROUP BY service", (services,), 1))
        by_service = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               "h.service = ANY(%s) AND h.type = ANY(%s)",
                               (services, REGISTRY_TYPES)):
            by_service[f.get("service")].append(f)
        store.upsert(conn, "services", ("service",), [(s,) for s in services],
                     [rules.fold_registry(s, by_service[s], *seen[s]) for s in services])

    def _environments(self, conn: psycopg.Connection, pairs: list[tuple]) -> None:
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
        store.upsert(conn, "service_environments", PAIR, pairs, rows)
        store.replace(conn, "service_transitions", PAIR, pairs, transitions)


# Any event naming a service moves its first/last seen times (and an implicit registration
# time) by least/greatest: commutative, so order-independent, and no history is read. Events
# that change more (registry and state types) are then recomputed in full.
TOUCH_SERVICES = """
INSERT INTO services (service, registered_at, registered_implicitly, first_seen_at,
                      last_seen_at)
SELECT s, min(t), true, min(t), max(t) FROM unnest(%s::text[], %s::timestamptz[]) AS x(s, t)
GROUP BY s
ON CONFLICT (service) DO UPDATE SET
    first_seen_at = least(services.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(services.last_seen_at, EXCLUDED.last_seen_at),
    registered_at = CASE WHEN services.registered_implicitly
        THEN least(services.registered_at, EXCLUDED.registered_at)
        ELSE services.registered_at END
"""
TOUCH_ENVIRONMENTS = """
INSERT INTO service_environments (service, environment, health, first_seen_at, last_seen_at)
SELECT s, e, 'unknown', min(t), max(t)
FROM unnest(%s::text[], %s::text[], %s::timestamptz[]) AS x(s, e, t) GROUP BY s, e
ON CONFLICT (service, environment) DO UPDATE SET
    first_seen_at = least(service_environments.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(service_environments.last_seen_at, EXCLUDED.last_seen_at)
"""


def _touch(conn: psycopg.Connection, facts: list[Fact]) -> None:
    conn.execute(TOUCH_SERVICES, ([f.get("service") for f in facts],
                                  [f.occurred_at for f in facts]))
    located = [f for f in facts if f.get("environment")]
    if located:
        conn.execute(TOUCH_ENVIRONMENTS, ([f.get("service") for f in located],
                                          [f.get("environment") for f in located],
                                          [f.occurred_at for f in located]))


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
