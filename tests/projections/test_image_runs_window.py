"""Property: the images handler's runs, refolded from each delivery's window (not from a
pair's whole history), equal the in-order fold and `pts replay`'s rebuild, for any order,
any split into batches and any repeats. The histories are dense where the window logic has
its edges: few times (equal event times, a run ending at exactly a window's time), images
that are the same image by another name (`:2@digest` and `@digest`), a reference that is no
image (ends a run, as a stop does), deployments whose success moves with a late event."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.db.urls import to_conninfo
from pts.projections.delivery import apply_delivered_batch
from pts.projections.rebuild import rebuild
from pts.projections.registry import PROJECTIONS
from tests.support.database import as_app, drop_database, fresh_database

from .helpers import DELIVERY_PROPERTY, event, log, tables

DIGEST = "sha256:" + "d" * 64
IMAGES = ["reg/api:1", f"reg/api:2@{DIGEST}", f"reg/api@{DIGEST}", "reg/api:3", "@nothing"]
TIMES = [f"10:0{m}:00" for m in range(5)]
PAIRS = [("api", "prod"), ("api", "staging")]
_sources = itertools.count()

times = st.sampled_from(TIMES)
where = st.sampled_from(PAIRS).map(lambda p: {"service": p[0], "environment": p[1]})
started = st.tuples(st.just("service.started"), times, st.tuples(
    where, st.sampled_from(IMAGES)).map(lambda w: {**w[0], "image": w[1]}))
stopped = st.tuples(st.just("service.stopped"), times, where)


@st.composite
def deployment(draw, did: str) -> list[tuple]:
    """A deployment's events, each maybe in another pair, the image on any of them."""
    home = draw(where)
    out = []
    for kind in draw(st.lists(st.sampled_from(["started", "succeeded", "failed",
                                               "rolled_back"]), min_size=1, max_size=3)):
        data = {"deployment_id": did, **(home if draw(st.integers(0, 5)) else draw(where))}
        if kind == "started":
            data["version"] = draw(st.sampled_from(["1", "2"]))
        image = draw(st.sampled_from([None, *IMAGES]))
        if image is not None:
            data["image"] = image
        out.append((f"deployment.{kind}", draw(times), data))
    return out


@st.composite
def histories(draw):
    specs = []
    for i in range(draw(st.integers(0, 4))):
        specs += draw(deployment(f"d{i}"))
    specs += draw(st.lists(st.one_of(started, stopped), max_size=8))
    source = f"/runs/{next(_sources)}"
    events = [event(t, at, source=source, **data) for t, at, data in specs]
    order = draw(st.permutations(events))
    repeats = draw(st.lists(st.sampled_from(events), max_size=3)) if events else []
    delivered = order + repeats
    cuts = sorted(draw(st.lists(st.integers(0, len(delivered)), max_size=4)))
    bounds = [0, *cuts, len(delivered)]
    return events, [delivered[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@pytest.fixture(scope="module")
def runs_db(pg_admin_url, template_url):
    """One database for every example: each example has a source of its own, and the
    tables are emptied between them."""
    url = fresh_database(pg_admin_url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", as_app(url))
        with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
            yield conn
    drop_database(pg_admin_url, url)


TABLES = PROJECTIONS["images"].tables


def _clear(conn) -> None:
    conn.execute("; ".join(f"DELETE FROM {t}" for t in TABLES))


def _deliver(batches: list[list[dict]]) -> None:
    pool = get_pool(get_settings())
    for batch in batches:
        apply_delivered_batch(pool, PROJECTIONS["images"], batch)


@DELIVERY_PROPERTY
@given(histories())
def test_runs_refolded_from_windows_equal_the_whole_fold(runs_db, history):
    events, batches = history
    conn = runs_db
    conn.execute("SET session_replication_role = replica")  # the log refuses deletes
    conn.execute("DELETE FROM platform_events")
    conn.execute("RESET session_replication_role")
    log(events)
    _clear(conn)
    in_order = [r for (r,) in conn.execute(
        "SELECT jsonb_build_object('source', source, 'id', id) FROM platform_events "
        "ORDER BY occurred_at, seq")]
    _deliver([[r] for r in in_order])
    expected = tables(conn, ["images"])
    _clear(conn)
    _deliver(batches)
    assert tables(conn, ["images"]) == expected
    _clear(conn)
    with conn.transaction():
        rebuild(conn, PROJECTIONS["images"])
    assert tables(conn, ["images"]) == expected


def test_a_run_ended_at_a_late_event_s_own_time_stays_ended(db_url, sql):
    """A stop and a late start share a time: the run the stop ended (at that time, before
    the late event by seq) is not reopened by the window that starts there."""
    first = event("service.started", "10:00:00", service="api", environment="prod",
                  image="reg/api:1")
    stop = event("service.stopped", "10:01:00", service="api", environment="prod")
    late = event("service.started", "10:01:00", service="api", environment="prod",
                 image="reg/api:1")
    log([first, stop, late])
    pool = get_pool(get_settings())
    for e in (first, stop, late):
        apply_delivered_batch(pool, PROJECTIONS["images"], [e])
    runs = sql.execute("SELECT image, from_at::time::text, to_at::time::text FROM image_runs "
                       "ORDER BY from_at, from_seq").fetchall()
    assert runs == [("reg/api:1", "10:00:00", "10:01:00"), ("reg/api:1", "10:01:00", None)]
