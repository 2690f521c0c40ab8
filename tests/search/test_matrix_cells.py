"""The matrix's cells are the rows of service_environments (pts.search.cells): that table
must hold every (service, environment) a deployment or a service event named, whatever the
order and repeats of delivery, after `pts replay`, and after migration 0018 on a database
that lacked some of those rows."""

from __future__ import annotations

import itertools

import pytest
from alembic.script import ScriptDirectory
from hypothesis import given
from hypothesis import strategies as st

from pts.cli import main
from pts.db.migrate import alembic_config, downgrade, upgrade
from tests.projections.helpers import DELIVERY_PROPERTY, clear_projections, deliver_all, event, log
from tests.support.histories import ENVIRONMENTS, SERVICES, deployment, health, pair
from tests.support.search_data import search_client

_sources = itertools.count()
DEPLOYED = "SELECT DISTINCT service, environment FROM deployments"
PAIRS = [(s, e) for s in SERVICES for e in ENVIRONMENTS]


@st.composite
def histories(draw):
    specs = []
    for i in range(draw(st.integers(1, 5))):
        steps = draw(deployment(f"d{i}"))
        if len(steps) > 1 and draw(st.booleans()):  # a later event naming another cell
            kind, time, data = steps[-1]
            steps[-1] = (kind, time, {**data, **draw(pair)})
        specs += steps
    specs += draw(st.lists(health, max_size=3))
    source = f"/cells/{next(_sources)}"
    events = [event(t, time, source=source, **{k: v for k, v in data.items() if v is not None})
              for t, time, data in specs]
    order = draw(st.permutations(range(len(events))))
    repeats = draw(st.lists(st.sampled_from(range(len(events))), max_size=3))
    return events, list(order) + repeats


def pairs(sql, query: str) -> set[tuple[str, str]]:
    return {tuple(r) for r in sql.execute(query).fetchall()}


def answered(search, query: str = "") -> list[tuple[str, str]]:
    response = search.get(f"/environments?limit=1000{query}")
    assert response.status_code == 200, response.get_json()
    return [(c["service"], c["environment"]) for c in response.get_json()["items"]]



@DELIVERY_PROPERTY
@given(histories())
def test_every_named_cell_has_its_row_whatever_the_order(db_url, sql, history):
    events, delivered = history
    log(events)
    clear_projections(sql)
    deliver_all([events[i] for i in delivered])
    assert pairs(sql, DEPLOYED) <= pairs(sql, "SELECT service, environment FROM "
                                              "service_environments")
    named = {(e["data"]["service"], e["data"]["environment"]) for e in events}
    expected = sorted(named, key=lambda p: (p[1], p[0]))
    search = search_client()
    assert answered(search) == expected
    assert answered(search, "&environment=prod") == [p for p in expected if p[1] == "prod"]
    assert answered(search, "&service=api") == [p for p in expected if p[0] == "api"]


def stream() -> list[dict]:
    return [event("deployment.started", f"09:0{i}:00", deployment_id=f"r{i}", version="1",
                  service=s, environment=e) for i, (s, e) in enumerate(PAIRS)] + [
        event("deployment.succeeded", "09:30:00", deployment_id="r0", service="web",
              environment="qa")]  # the deployment stays (api, prod); qa is a cell too


def test_replay_writes_the_same_cells(sql, db_url):
    log(stream())
    assert main(["replay", "--database-url", db_url]) == 0
    assert pairs(sql, "SELECT service, environment FROM service_environments") == {
        *PAIRS, ("web", "qa")}
    assert answered(search_client(), "&environment=qa") == [("web", "qa")]


@pytest.mark.fresh_database
def test_migration_0018_adds_the_rows_an_older_database_lacks(owner_url, sql):
    events = stream()
    log(events)
    deliver_all(events)
    sql.execute("DELETE FROM service_environments WHERE environment = 'prod'")
    before = ScriptDirectory.from_config(alembic_config(owner_url)).get_revision(
        "0018_search5_matrix_cells").down_revision  # whatever it is chained after
    downgrade(owner_url, before)
    upgrade(owner_url)
    rows = sql.execute("SELECT service, health, first_seen_at = d.first_event_at "
                       "FROM service_environments JOIN deployments d USING (service, "
                       "environment) WHERE environment = 'prod' ORDER BY service").fetchall()
    assert rows == [("api", "unknown", True), ("web", "unknown", True)]
    assert answered(search_client(), "&environment=prod") == [("api", "prod"), ("web", "prod")]
