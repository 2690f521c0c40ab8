"""Property: the matrix at any past time (`GET /environments?at=`), read from the stored
timeline steps, equals the fold of the deployments table up to that time with the handlers'
rules (what the search function computed before the steps existed), for any history with
rollbacks, delivered in any order with repeats; and equals it again when the steps are
missing (a database upgraded to 0013 whose timelines the handler has not stored yet)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st
from psycopg.rows import dict_row

from pts.projections.deployment_rules import environment_timeline
from pts.search.db import times
from pts.search.environments import CELL, CELL_TIMES, finish
from tests.projections.helpers import DELIVERY_PROPERTY, clear_projections, deliver_all, event, log
from tests.support.histories import deployment, health, pair
from tests.support.histories import times as event_times
from tests.support.search_data import search_client

ATS = ["09:59:00"] + [f"10:{m:02d}:{s}" for m in range(8) for s in ("00", "30")]
_sources = itertools.count()
state = st.tuples(st.sampled_from(["service.started", "service.stopped"]), event_times, pair)


@st.composite
def histories(draw):
    specs = []
    for i in range(draw(st.integers(1, 6))):
        specs += draw(deployment(f"d{i}"))
    specs += draw(st.lists(health | state, max_size=4))
    source = f"/matrix/{next(_sources)}"
    events = [event(t, time, source=source, **{k: v for k, v in data.items() if v is not None})
              for t, time, data in specs]
    order = draw(st.permutations(range(len(events))))
    repeats = draw(st.lists(st.sampled_from(range(len(events))), max_size=3))
    return events, list(order) + repeats


# The fold the search function ran before the steps were stored (the reference).
DEPLOYMENTS_AT = """
SELECT deployment_id, service, environment, status, version, image, image_digest,
    first_event_at, finished_at, succeeded_at, succeeded_seq, rolled_back_at,
    rolled_back_seq, rolled_back_to_version
FROM deployments WHERE first_event_at <= %(at)s
ORDER BY service, environment, first_event_at, deployment_id
"""
TRANSITIONS_AT = """
SELECT DISTINCT ON (service, environment, kind) service, environment, kind, to_value, at
FROM service_transitions WHERE at <= %(at)s
ORDER BY service, environment, kind, at DESC, event_seq DESC
"""


def folded_at(conn, at: str) -> list[dict]:
    params = {"at": f"2026-11-01T{at}Z"}
    with conn.cursor(row_factory=dict_row) as cur:
        deployments = cur.execute(DEPLOYMENTS_AT, params).fetchall()
        transitions = cur.execute(TRANSITIONS_AT, params).fetchall()
        when = cur.execute("SELECT %(at)s::timestamptz AS t", params).fetchone()["t"]
    groups: dict[tuple, list[dict]] = {}
    for row in deployments:
        if row["succeeded_at"] is not None and row["succeeded_at"] > when:
            row.update(succeeded_at=None, succeeded_seq=None)
        if row["rolled_back_at"] is not None and row["rolled_back_at"] > when:
            row.update(rolled_back_at=None, rolled_back_seq=None, status="succeeded")
        groups.setdefault((row["service"], row["environment"]), []).append(row)
    cells: dict[tuple, dict] = {}
    for key, rows in groups.items():
        _, current, _ = environment_timeline(rows)
        last = rows[-1]
        status = last["status"]
        if last["rolled_back_at"] is None and (last["finished_at"] is None
                                               or last["finished_at"] > when):
            status = "started"
        cell = dict.fromkeys(CELL)
        cell.update(service=key[0], environment=key[1], last_deployment_id=last["deployment_id"],
                    last_deployment_status=status, last_deployment_at=last["first_event_at"])
        if current:
            cell.update({k: current[k] for k in ("deployment_id", "version", "image",
                                                  "image_digest", "since")})
        cells[key] = cell
    for t in transitions:
        cell = cells.setdefault((t["service"], t["environment"]), {
            **dict.fromkeys(CELL), "service": t["service"], "environment": t["environment"]})
        cell[t["kind"]], cell[f"{t['kind']}_since"] = t["to_value"], t["at"]
    return [times(finish(cells[k]), *CELL_TIMES)
            for k in sorted(cells, key=lambda k: (k[1], k[0]))]


def answered_at(search, at: str, query: str = "") -> list[dict]:
    response = search.get(f"/environments?at=2026-11-01T{at}Z&limit=1000{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]



@DELIVERY_PROPERTY
@given(histories())
def test_matrix_at_any_time_equals_the_fold_of_the_deployments(db_url, sql, history):
    events, delivered = history
    log(events)
    clear_projections(sql)
    deliver_all([events[i] for i in delivered])
    search = search_client()
    expected = {at: folded_at(sql, at) for at in ATS}
    assert any(expected.values())
    for at in ATS:
        assert answered_at(search, at) == expected[at], at
    at = ATS[-1]  # filters and pages narrow the same answer
    for query, keep in (("&environment=prod", lambda c: c["environment"] == "prod"),
                        ("&service=api", lambda c: c["service"] == "api")):
        assert answered_at(search, at, query) == [c for c in expected[at] if keep(c)]
    sql.execute("DELETE FROM deployment_steps")  # as after an upgrade to 0013
    for at in ATS[::3]:
        assert answered_at(search, at) == expected[at], at
