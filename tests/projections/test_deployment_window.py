"""Property: however deliveries arrive, what the deployments handler keeps by refolding
only a window (deployment_steps, the per-environment columns, current_deployments) is
what folding each environment's whole timeline from its deployments gives."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from psycopg.rows import dict_row

from pts.projections import deployment_rules as rules

from .helpers import deliver_all, event, log, one, rows
from .test_deployment_rules import D, run, started, succeeded
from .test_order_independence import clear, shared_db, streams  # noqa: F401 (fixture)


def _rows(conn, sql: str) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql).fetchall()


@settings(deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(streams())
def test_windowed_timeline_equals_whole_refold(shared_db, stream):  # noqa: F811
    events, delivered = stream
    log(events)
    clear(shared_db)
    deliver_all([events[i] for i in delivered], ["deployments"])
    groups = defaultdict(list)
    for r in _rows(shared_db, "SELECT * FROM deployments"):
        groups[(r["service"], r["environment"])].append(r)
    currents = {(r["service"], r["environment"]): r
                for r in _rows(shared_db, "SELECT * FROM current_deployments")}
    steps = sorted((s["service"], s["environment"], s["seq"], s["step"],
                    s["current_deployment_id"], s["current_version"], s["current_since"])
                   for s in _rows(shared_db, "SELECT * FROM deployment_steps"))
    whole_steps = []
    for group, members in groups.items():
        derived, current, done = rules.environment_timeline(members)
        for r in members:
            assert {k: r[k] for k in rules.DERIVED} == derived[r["deployment_id"]], r
        if current is None:
            assert group not in currents
        else:
            stored = currents[group]
            assert {k: stored[k] for k in current} == current
        whole_steps += [(s["service"], s["environment"], s["seq"], s["step"],
                         s["current_deployment_id"], s["current_version"],
                         s["current_since"]) for s in done]
    assert steps == sorted(whole_steps)


def _history(versions: list[str]) -> list[dict]:
    evs = []
    for i, v in enumerate(versions):
        evs += [started(f"d{i}", f"1{i}:00:00", v, image=f"api:{v}"),
                succeeded(f"d{i}", f"1{i}:05:00")]
    return evs


def _flags(sql) -> dict:
    return {r["deployment_id"]: (r["replaced_deployment_id"], r["is_rollback"],
                                 r["rollback_inferred"], r["is_current"])
            for r in rows(sql, "deployments")}


def test_in_order_deliveries_read_what_ran_before_from_the_steps(sql):
    run(_history(["1.0", "2.0", "1.0"]))  # each delivery continues from the stored steps
    assert _flags(sql) == {"d0": (None, False, False, False),
                           "d1": ("d0", False, False, False),
                           "d2": ("d1", True, True, True)}


def test_a_late_success_refolds_only_what_follows_it(sql):
    evs = _history(["1.0", "2.0", "3.0", "2.0"])
    run(evs, order=[0, 1, 2, 3, 6, 7, 4, 5])  # d2 (3.0) arrives after d3
    assert _flags(sql) == {"d0": (None, False, False, False),
                           "d1": ("d0", False, False, False),
                           "d2": ("d1", False, False, False),
                           "d3": ("d2", True, True, True)}


def test_an_explicit_rollback_goes_back_to_a_deployment_before_the_window(sql):
    evs = _history(["1.0", "2.0"]) + [event("deployment.rolled_back", "12:00:00",
                                            deployment_id="d1", **D)]
    run(evs)
    cur = one(sql, "current_deployments", service="api", environment="prod")
    assert (cur["deployment_id"], cur["version"], cur["image"]) == ("d0", "1.0", "api:1.0")
    assert _flags(sql)["d0"][3] and not _flags(sql)["d1"][3]


def test_a_database_without_steps_is_refolded_whole_at_the_next_delivery(sql):
    evs = _history(["1.0", "2.0", "1.0"])
    run(evs[:4])
    sql.execute("DELETE FROM deployment_steps")  # as after upgrading to 0013
    run(evs[4:])
    assert _flags(sql)["d2"] == ("d1", True, True, True)
    assert [r[0] for r in sql.execute(
        "SELECT deployment_id FROM deployment_steps ORDER BY at")] == \
        ["d0", "d1", "d2"]
