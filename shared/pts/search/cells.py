"""Which (service, environment) cells the matrix has: those a service event named
(service_environments) and those a deployment named, found by index skips over deployments
(one probe per service and per environment of it) rather than by reading every deployment.
"""

from __future__ import annotations

# Every service that has a deployment: the next name after the last, one probe each.
ALL_SERVICES = """WITH RECURSIVE s AS (
    SELECT min(service) AS service FROM deployments
    UNION ALL
    SELECT (SELECT min(d.service) FROM deployments d WHERE d.service > s.service)
    FROM s WHERE s.service IS NOT NULL)
SELECT service FROM s WHERE service IS NOT NULL"""

# The environments a service (n.service) has a deployment in, the same way.
ENVIRONMENTS_OF = """WITH RECURSIVE e AS (
    SELECT min(d.environment) AS environment FROM deployments d WHERE d.service = n.service
    UNION ALL
    SELECT (SELECT min(d.environment) FROM deployments d
            WHERE d.service = n.service AND d.environment > e.environment)
    FROM e WHERE e.environment IS NOT NULL)
SELECT environment FROM e WHERE environment IS NOT NULL"""

ONE_ENVIRONMENT = """SELECT %(environment)s::text AS environment WHERE EXISTS (
    SELECT 1 FROM deployments d
    WHERE d.service = n.service AND d.environment = %(environment)s)"""

ONE_SERVICE = "SELECT %(service)s::text"
SOME_SERVICES = "SELECT unnest(%(names)s::text[])"


def keys(services: str | None = None, environment: bool = False) -> str:
    """SQL of the cells (columns service, environment), sorted by environment then service.

    services: None for every service, ONE_SERVICE (parameter `service`) or SOME_SERVICES
    (parameter `names`); environment: only the cells of parameter `environment`."""
    conds = []
    if services == ONE_SERVICE:
        conds.append("service = %(service)s")
    elif services == SOME_SERVICES:
        conds.append("service = ANY(%(names)s::text[])")
    if environment:
        conds.append("environment = %(environment)s")
    where = " WHERE " + " AND ".join(conds) if conds else ""
    return f"""SELECT service, environment FROM (
    SELECT n.service, x.environment FROM ({services or ALL_SERVICES}) AS n(service)
    CROSS JOIN LATERAL ({ONE_ENVIRONMENT if environment else ENVIRONMENTS_OF}) AS x
    UNION SELECT service, environment FROM service_environments{where}) AS k
ORDER BY environment, service"""
