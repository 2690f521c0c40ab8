"""Property: any permutation of any set of events, with any duplicates, gives the same
tables as processing the log in order of (event time, seq); and the set-based rebuild of
`pts replay` (SQL over the whole log) gives those same tables."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pts.db.urls import to_conninfo
from pts.projections.rebuild import rebuild
from pts.projections.registry import PROJECTIONS
from tests.support.database import as_app, drop_database, fresh_database
from tests.support.histories import DIGESTS, IMAGES, SERVICES, deployment, health, pair, times

from .helpers import deliver_all, event, log, tables

_sources = itertools.count()


service_event = st.one_of(
    st.tuples(st.just("service.started"), times, pair.map(
        lambda p: {**p, "version": "2", "image": IMAGES[2]})),
    st.tuples(st.just("service.stopped"), times, pair),
    health,
    st.tuples(st.just("service.registered"), times, st.fixed_dictionaries(
        {"service": st.sampled_from(SERVICES), "owner": st.sampled_from(["a", "b"])})),
    st.tuples(st.just("service.decommissioned"), times,
              st.fixed_dictionaries({"service": st.sampled_from(SERVICES)})),
    st.tuples(st.just("image.published"), times, st.fixed_dictionaries(
        {"repository": st.just("reg/api"), "digest": st.sampled_from(DIGESTS),
         "tag": st.sampled_from(["latest", "v1", None])})),
)


@st.composite
def streams(draw):
    specs = []
    for i in range(draw(st.integers(0, 4))):
        specs += draw(deployment(f"d{i}"))
    specs += draw(st.lists(service_event, max_size=6))
    source = f"/prop/{next(_sources)}"
    events = [event(t, time, source=source, **{k: v for k, v in data.items() if v is not None})
              for t, time, data in specs]
    order = draw(st.permutations(range(len(events))))
    repeats = draw(st.lists(st.sampled_from(range(len(events))), max_size=4)) if events else []
    delivered = list(order)
    for i, r in enumerate(repeats):
        delivered.insert(draw(st.integers(0, len(delivered))), r) if i % 2 else \
            delivered.append(r)
    return events, delivered


@pytest.fixture(scope="module")
def shared_db(pg_admin_url, template_url):
    """One database for every example: only the log is kept between examples."""
    url = fresh_database(pg_admin_url)
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        # Thousands of small commits: durability is beside the point in this test.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", as_app(url))  # the functions' role, as everywhere
        with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
            yield conn
    drop_database(pg_admin_url, url)


def empty_log(conn) -> None:
    """Only this example's events in the log: the rebuild reads all of it. The log's
    triggers refuse deletes; replica mode skips them for this connection only."""
    conn.execute("SET session_replication_role = replica")
    conn.execute("DELETE FROM platform_events")
    conn.execute("RESET session_replication_role")


def rebuilt(conn) -> dict:
    clear(conn)
    with conn.transaction():
        for projection in PROJECTIONS.values():
            rebuild(conn, projection)
    return tables(conn)


def clear(conn) -> None:
    names = [t for p in PROJECTIONS.values() for t in p.tables]
    conn.execute(f"DELETE FROM {', '.join(names)}" if len(names) == 1 else
                 "; ".join(f"DELETE FROM {t}" for t in names))


@settings(deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(streams())
def test_any_order_with_repeats_equals_in_order_processing(shared_db, stream):
    events, delivered = stream
    empty_log(shared_db)
    log(events)
    by_id = {(e["source"], e["id"]): e for e in events}
    in_order = [by_id[(s, i)] for s, i in shared_db.execute(
        "SELECT source, id FROM platform_events WHERE source = %s ORDER BY occurred_at, seq",
        (events[0]["source"],) if events else ("",))]
    clear(shared_db)
    deliver_all(in_order)
    expected = tables(shared_db)
    assert not events or expected["services_handled_events"]  # something was projected
    clear(shared_db)
    deliver_all([events[i] for i in delivered])
    assert tables(shared_db) == expected
    assert rebuilt(shared_db) == expected


def mixed_pairs(i: int) -> dict:
    """Event i of a load whose deployments' events each name another (service,
    environment): deployment i // 3, started / succeeded / failed, service i % 5."""
    kind = ("deployment.started", "deployment.succeeded", "deployment.failed")[i % 3]
    return {**event(kind, f"10:{i // 60:02d}:{i % 60:02d}", source="/mixed",
                    deployment_id=f"d-{i // 3}", service=f"svc-{i % 5}",
                    environment=("prod", "staging")[i % 2], version=f"1.{i // 3}"),
            "id": f"mixed-{i}"}


@settings(deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.integers(0, 35), min_size=1, max_size=30, unique=True), st.randoms())
def test_deployments_whose_events_name_other_pairs(shared_db, indexes, rnd):
    """The fault tests' load (tests/faults/helpers.py): live delivery in any order and the
    rebuild agree even when a deployment's events disagree on where it runs."""
    events = [mixed_pairs(i) for i in indexes]
    empty_log(shared_db)
    log(events)
    clear(shared_db)
    deliver_all(events)
    expected = tables(shared_db)
    clear(shared_db)
    deliver_all(rnd.sample(events, len(events)))
    assert tables(shared_db) == expected
    assert rebuilt(shared_db) == expected
