"""Partitioned in-process batches (`PTS_BROKER_PARTITIONS`): a handler's deliveries are split
by the service their event names, one batch per partition in flight, so that batches of one
handler overlap on disjoint keys; one service's deliveries are never split, and the
projections end the same as with one batch per handler."""

from __future__ import annotations

import threading

import pytest

from pts.broker import backlog, inprocess, queue
from pts.broker.lanes import SPREAD_AT, Lanes
from pts.db.pool import get_pool
from pts.projections.registry import PROJECTIONS
from tests.eventing.helpers import local_settings
from tests.projections.helpers import tables

SERVICES = [f"svc-{i}" for i in range(12)]


def _settings(monkeypatch, parts: int):
    monkeypatch.setenv("PTS_BROKER_PARTITIONS", str(parts))
    return local_settings(monkeypatch)


def _events(rounds: int = 3) -> list[dict]:
    """Health changes, deployments and images over SERVICES, and an event naming none."""
    out: list[dict] = []
    for r in range(rounds):
        for i, s in enumerate(SERVICES):
            env = ("prod", "staging")[i % 2]
            t = f"2026-11-28T10:{r:02d}:{i:02d}Z"
            out.append({"type": "service.health_changed", "id": f"h-{r}-{s}", "time": t,
                        "service": s, "environment": env,
                        "status": ("healthy", "degraded")[(r + i) % 2]})
            out.append({"type": ("deployment.started", "deployment.succeeded")[r % 2],
                        "id": f"d-{r}-{s}", "time": t, "deployment_id": f"dep-{s}-{r // 2}",
                        "service": s, "environment": env, "version": f"1.{r // 2}",
                        "image": f"reg/{s}@sha256:{i:064x}"})
    out.append({"type": "image.published", "id": "img-0", "repository": "reg/app",
                "digest": "sha256:" + "a" * 64, "tag": "v1"})  # no service: partition 0
    return out


def _ingest(client, events: list[dict]) -> None:
    for i in range(0, len(events), 25):  # batches, as a producer posts them
        assert client.post("/", json=events[i:i + 25]).status_code == 202


def _part(sql, service: str | None, parts: int) -> int:
    key = sql.execute("SELECT coalesce(hashtext(%s) & 2147483647, 0)", (service,)).fetchone()[0]
    return next(p for p in range(parts)
                if queue.part_range(p, parts)[0] <= key < queue.part_range(p, parts)[1])


def _drain(settings, handler: str, part: int, limit: int = 7) -> int:
    applied = 0
    while n := inprocess.apply_due(get_pool(), handler, limit, settings, part):
        applied += n
    return applied


def test_one_service_is_never_split_and_every_way_of_queueing_keys_it_alike(
        ingest_client, sql, monkeypatch):
    settings = _settings(monkeypatch, 2)
    _ingest(ingest_client, _events())
    # The relay's way (by reference, service looked up in the log) and a copy's (POST /broker).
    seq = sql.execute("SELECT seq FROM platform_events WHERE id = 'h-0-svc-3'").fetchone()[0]
    copy = {"specversion": "1.0", "id": "copy-1", "source": "/x",
            "type": "dev.pts.service.health_changed", "data": {"service": "svc-3"}}
    with get_pool().connection() as conn, conn.transaction():
        queue.enqueue_logged(conn, [(seq, "/x", "again", "dev.pts.service.health_changed")],
                             {"dev.pts.service.health_changed": ["services"]})
        queue.enqueue(conn, [(copy, ["services"])])
    keys = dict(sql.execute(
        "SELECT coalesce(p.service, e.event->'data'->>'service'), "
        "array_agg(DISTINCT d.part_key) FROM broker_deliveries d "
        "JOIN broker_events e ON e.id = d.event_id LEFT JOIN platform_events p ON p.seq = e.seq "
        "GROUP BY 1").fetchall())
    assert keys[None] == [0]  # an event naming no service: the first partition
    for s in SERVICES:
        [key] = keys[s]  # one key per service, whatever the handler or the way queued
        assert key == sql.execute("SELECT hashtext(%s) & 2147483647", (s,)).fetchone()[0]
    assert {_part(sql, s, 2) for s in SERVICES} == {0, 1}  # both partitions have work

    # Partition 1 alone: exactly its services' deliveries are settled, every one of them
    # (the one queued by reference under another identity is refused: dead-lettered).
    for handler in ("services", "deployments", "images"):
        _drain(settings, handler, 1)
    done = sql.execute(
        "SELECT p.service, bool_and(d.status <> 'pending'), bool_or(d.status <> 'pending') "
        "FROM broker_deliveries d JOIN broker_events e ON e.id = d.event_id "
        "JOIN platform_events p ON p.seq = e.seq WHERE d.kind = 'trigger' GROUP BY 1").fetchall()
    for service, every, any_ in done:
        assert every == any_ == (_part(sql, service, 2) == 1), service


def test_two_batches_of_one_handler_overlap_on_disjoint_keys(ingest_client, sql, monkeypatch):
    settings = _settings(monkeypatch, 2)
    _ingest(ingest_client, _events(rounds=1))
    pool = get_pool()
    held = pool.getconn()
    try:
        # Partition 0's batch, applied and not committed: it holds its key locks (and the
        # projection's shared lock), as a batch waiting on PostgreSQL does.
        batch = queue.lock_due(held, "services", 100, 0, 2)
        assert batch
        inprocess._apply(held, "services", batch, settings)  # noqa: SLF001 - held open
        assert inprocess.apply_due(pool, "services", 100, settings, 0) is None  # its turn
        # Meanwhile partition 1's batch runs to its commit: no key of it is held.
        other: list = []
        runner = threading.Thread(target=lambda: other.append(
            inprocess.apply_due(pool, "services", 100, settings, 1)))
        runner.start()
        runner.join(20)
        assert not runner.is_alive(), "partition 1 waited on partition 0's batch"
        mine = [s for s in SERVICES if _part(sql, s, 2) == 1]
        assert other == [2 * len(mine)]  # its health changes and deployments
        applied = {r[0] for r in sql.execute("SELECT service FROM service_environments")}
        assert applied == {s for s in SERVICES if _part(sql, s, 2) == 1}
        held.commit()
    finally:
        pool.putconn(held)
    assert len(sql.execute("SELECT * FROM service_environments").fetchall()) == len(SERVICES)
    assert sql.execute("SELECT count(*) FROM broker_deliveries WHERE subscriber = 'services' "
                       "AND status <> 'delivered'").fetchone()[0] == 0


def test_with_one_partition_a_held_batch_holds_the_handler(ingest_client, sql, monkeypatch):
    settings = _settings(monkeypatch, 1)
    _ingest(ingest_client, _events(rounds=1))
    held = get_pool().getconn()
    try:
        assert queue.lock_due(held, "services", 1)
        assert inprocess.apply_due(get_pool(), "services", 100, settings) is None
        held.rollback()  # that batch's process died: nothing recorded, all due again
    finally:
        get_pool().putconn(held)
    due = sql.execute("SELECT count(*) FROM broker_deliveries WHERE subscriber = 'services'"
                      ).fetchone()[0]
    assert inprocess.apply_due(get_pool(), "services", 100, settings) == due


def _reset(sql) -> None:
    """Empty the projections and make every delivery pending again, as never delivered."""
    for name in PROJECTIONS:
        sql.execute(f"TRUNCATE {', '.join(PROJECTIONS[name].tables)}")
    sql.execute("DELETE FROM broker_deliveries WHERE kind = 'deadletter'")
    sql.execute("UPDATE broker_deliveries SET status = 'pending', attempts = 0, "
                "next_attempt_at = now(), finished_at = NULL, last_status = NULL")


def test_two_partitions_in_parallel_end_as_one_batch_per_handler(ingest_client, sql,
                                                                   monkeypatch):
    settings = _settings(monkeypatch, 2)
    _ingest(ingest_client, _events(rounds=4))
    # Every (handler, partition) drained by a thread of its own, in small batches at once.
    threads = [threading.Thread(target=_drain, args=(settings, h, p, 5))
               for h in ("services", "deployments", "images") for p in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sql.execute("SELECT count(*) FROM broker_deliveries "
                       "WHERE status <> 'delivered'").fetchone()[0] == 0
    partitioned = tables(sql)

    _reset(sql)
    assert tables(sql) != partitioned
    settings = _settings(monkeypatch, 1)
    for handler in ("services", "deployments", "images"):
        _drain(settings, handler, 0, limit=1000)
    assert tables(sql) == partitioned


def test_a_handler_lags_by_its_most_behind_partition():
    backlog.share()
    try:
        backlog.note("services", 0.1, 0)
        backlog.note("services", 3.0, 1)
        assert backlog.lag() == 3.0
        backlog.note("services", 0.0, 1)  # caught up there too
        assert backlog.lag() == 0.1
    finally:
        backlog.share()


def test_a_batch_of_every_partition_and_a_partition_s_exclude_each_other(
        ingest_client, sql, monkeypatch):
    settings = _settings(monkeypatch, 2)
    _ingest(ingest_client, _events(rounds=1))
    pool = get_pool()
    held = pool.getconn()
    try:
        assert queue.lock_due(held, "services", 100, 1, 2) is not None  # partition 1's
        assert inprocess.apply_due(pool, "services", 100, settings) is None  # every one's
        held.rollback()
        assert queue.lock_due(held, "services", 100, None, 2)  # every partition's, all due
        assert inprocess.apply_due(pool, "services", 100, settings, 0) is None
        assert inprocess.apply_due(pool, "services", 100, settings, 1) is None
        held.rollback()
        # A process run with one partition and one with two exclude each other too.
        assert queue.lock_due(held, "services", 100)  # one partition: the handler's lock
        assert inprocess.apply_due(pool, "services", 100, settings, 1) is None
        held.rollback()
        assert queue.lock_due(held, "services", 100, 0, 2) is not None
        with pool.connection() as one:
            assert queue.lock_due(one, "services", 100) is None
        held.rollback()
    finally:
        pool.putconn(held)
    due = sql.execute("SELECT count(*) FROM broker_deliveries WHERE subscriber = 'services'"
                      ).fetchone()[0]
    assert inprocess.apply_due(pool, "services", 1000, settings) == due  # one batch, all


def test_a_handler_s_batches_are_per_partition_while_it_is_behind():
    lanes = Lanes(["services", "images"], 2)
    assert lanes.start(0.0, 16) == [("services", None), ("images", None)]  # one each
    lanes.ended(("services", None), SPREAD_AT, 0.0, 0.25)  # a big batch: behind
    lanes.ended(("images", None), 3, 0.0, 0.25)
    assert lanes.start(0.0, 16) == [("services", 0), ("services", 1), ("images", None)]
    assert lanes.skipped(0.0) == ["images", "services"]
    lanes.ended(("services", 0), 1, 0.0, 0.25)  # caught up: one batch again, once the
    assert lanes.start(0.0, 16) == []  # other partition's ends
    lanes.ended(("services", 1), None, 0.0, 0.25)  # held by another process for 0.25 s
    assert lanes.start(0.1, 16) == [] and lanes.away(0.1) == [0.15]
    assert lanes.start(0.3, 1) == [("services", None)]
    assert Lanes(["services"], 1).start(0.0, 4) == [("services", None)]


# A database of its own: in the shared one, the indexes keep the pages of earlier tests'
# deleted rows, and the planner's costs of the two due indexes then depend on which tests
# ran before (it once chose ix_deliveries_due in a full run); the plan is checked against
# the indexes as a migrated database has them.
@pytest.mark.fresh_database
def test_a_partition_s_locking_read_is_served_by_the_due_index(sql):
    """A backlog of 30,000 deliveries of three handlers, analyzed: the other partition's
    rows are skipped inside the index (an index condition), read in due order, no sort of
    the backlog."""
    sql.execute("INSERT INTO broker_events (ce_source, ce_id, ce_type, seq, subscribers, "
                "part_key) SELECT 's', g::text, 't', g, '{}', hashtext('s' || g % 200) "
                "& 2147483647 FROM generate_series(1, 10000) AS g")
    sql.execute("INSERT INTO broker_deliveries (event_id, subscriber, part_key, "
                "next_attempt_at) SELECT e.id, s, e.part_key, now() - interval '1 minute' "
                "+ e.id * interval '1 ms' FROM broker_events e, "
                "unnest(ARRAY['services', 'deployments', 'images']) AS s")
    sql.execute("ANALYZE broker_deliveries")
    sql.execute("ANALYZE broker_events")
    plan = "\n".join(r[0] for r in sql.execute(
        "EXPLAIN " + queue.LOCK_DUE_PART, ("services", *queue.part_range(1, 2), 2000)))
    lines = plan.splitlines()
    scan = next(i for i, line in enumerate(lines) if "on broker_deliveries" in line)
    assert "Index Scan using ix_deliveries_due_by_subscriber" in lines[scan], plan
    assert "Index Cond" in lines[scan + 1] and "part_key >=" in lines[scan + 1], plan
    assert not any(line.strip().startswith("->  Sort ") or line.startswith("Sort ")
                   for line in lines), plan  # at most an incremental sort of the ties
