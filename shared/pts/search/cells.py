"""Which (service, environment) cells the matrix has: the rows of service_environments.

The services handler takes every deployment event as well as the service events, and
writes a service_environments row for each (service, environment) any of them names, live
(pts.projections.services `_touch`) and in `pts replay` (its rebuild's ENVIRONMENTS); migration
0018 added the rows an older database could lack. So that table alone lists every cell a
deployment or a service event named: one index range read in the matrix's order
((environment, service), or the primary key for given services), where the deployments
table had to be skipped through service by service. tests/search/test_matrix_cells.py
checks the invariant live, in any order, and after a replay.
"""

from __future__ import annotations

ONE_SERVICE = "service = %(service)s"
SOME_SERVICES = "service = ANY(%(names)s::text[])"


def keys(services: str | None = None, environment: bool = False) -> str:
    """SQL of the cells: their service_environments rows (service, environment, state,
    health, version, ...), unordered (the caller orders).

    services: None for every service, ONE_SERVICE (parameter `service`) or SOME_SERVICES
    (parameter `names`); environment: only the cells of parameter `environment`."""
    conds = [c for c in (services, "environment = %(environment)s" if environment else None)
             if c]
    where = " WHERE " + " AND ".join(conds) if conds else ""
    return f"SELECT * FROM service_environments{where}"
