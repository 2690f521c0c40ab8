"""The dispatcher's in-process batches lock their due deliveries in the transaction that
applies them (`inprocess.apply_due`), instead of claiming them first: outcomes recorded by
the same rules, the attempt counted once, and rows another batch holds left alone."""

from __future__ import annotations

from pts.broker import inprocess, queue
from pts.db.pool import get_pool
from tests.eventing.helpers import (
    deployment,
    deployments_failing,
    local_settings,
    one_good_one_forged,
)


def _rows(sql):
    return sql.execute("SELECT e.ce_id, d.kind, d.status, d.attempts, d.last_status, "
                       "d.next_attempt_at > now() FROM broker_deliveries d JOIN broker_events e "
                       "ON e.id = d.event_id WHERE d.subscriber = 'deployments' "
                       "ORDER BY d.kind, e.ce_id").fetchall()


def test_a_batch_locks_applies_and_marks_its_deliveries_in_one_transaction(
        ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    for i in range(3):
        assert ingest_client.post("/", json=deployment(i)).status_code == 202
    assert inprocess.apply_due(get_pool(), "deployments", 2, settings) == 2  # oldest first
    assert sql.execute("SELECT count(*) FROM deployments").fetchone()[0] == 2
    assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 1
    assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 0
    assert _rows(sql) == [(f"dep-{i}", "trigger", "delivered", 1, 204, False)
                          for i in range(3)]


def test_a_refused_event_is_dead_lettered_and_a_failed_batch_retried_later(
        ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    one_good_one_forged(ingest_client)
    assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 2
    assert _rows(sql) == [("not-in-the-log", "deadletter", "pending", 0, None, False),
                          ("dep-1", "trigger", "delivered", 1, 204, False),
                          ("not-in-the-log", "trigger", "dead_lettered", 1, 422, False)]

    assert ingest_client.post("/", json=deployment(3)).status_code == 202
    with deployments_failing(sql):
        assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 1
    assert ("dep-3", "trigger", "pending", 1, 503, True) in _rows(sql)  # with backoff
    assert sql.execute("SELECT count(*) FROM deployments").fetchone()[0] == 1


def test_one_batch_of_a_handler_at_a_time_and_its_deliveries_due_when_it_dies(
        ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    for i in range(2):
        assert ingest_client.post("/", json=deployment(i)).status_code == 202
    other = get_pool().getconn()
    try:
        held = queue.lock_due(other, "deployments", 1)  # another worker's batch, in flight
        assert [d.event["id"] for d in held] == ["dep-0"]
        assert inprocess.apply_due(get_pool(), "deployments", 10, settings) is None  # waits
        assert inprocess.apply_due(get_pool(), "services", 10, settings) == 2  # not
        other.rollback()  # that worker died: its locks go, nothing was recorded
    finally:
        get_pool().putconn(other)
    assert _rows(sql)[0] == ("dep-0", "trigger", "pending", 0, None, False)  # due at once
    assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 2
    assert [r[2] for r in _rows(sql)] == ["delivered", "delivered"]


def test_rows_locked_elsewhere_are_skipped(ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    for i in range(2):
        assert ingest_client.post("/", json=deployment(i)).status_code == 202
    other = get_pool().getconn()
    try:  # e.g. an HTTP attempt's claim in flight, which takes no batch lock
        other.execute("SELECT 1 FROM broker_deliveries d JOIN broker_events e ON "
                      "e.id = d.event_id WHERE e.ce_id = 'dep-0' FOR UPDATE OF d")
        assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 1
        other.rollback()
    finally:
        get_pool().putconn(other)
    assert [r[2] for r in _rows(sql)] == ["pending", "delivered"]
