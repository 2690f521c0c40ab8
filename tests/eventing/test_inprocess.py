"""pts up's in-process delivery: batches applied through the handlers' own code, with their
outcomes recorded by Knative's rules; the broker's upkeep (backlog, pruning)."""

from __future__ import annotations

from pts.broker import inprocess, queue, upkeep
from pts.db.pool import get_pool
from tests.eventing.helpers import (
    deployment,
    deployments_failing,
    local_settings,
    one_good_one_forged,
)


def test_ingest_queues_in_its_transaction_and_a_batch_applies_in_process(
        ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    assert inprocess.handles("deployments", settings)
    for i in range(3):
        assert ingest_client.post("/", json=deployment(i)).status_code == 202
    assert sql.execute("SELECT count(*) FROM event_emissions WHERE emitted_at IS NOT NULL"
                       ).fetchone()[0] == 3
    with get_pool().connection() as conn:
        pending = {b.subscriber: b.pending for b in upkeep.backlog(conn)}
    assert pending["deployments"] == 3
    assert inprocess.apply_due(get_pool(), "deployments", 100, settings) == 3
    assert sql.execute("SELECT count(*) FROM deployments").fetchone()[0] == 3
    statuses = sql.execute("SELECT DISTINCT status, last_status FROM broker_deliveries "
                           "WHERE subscriber = 'deployments'").fetchall()
    assert statuses == [("delivered", 204)]


def test_an_event_the_handler_refuses_is_dead_lettered_and_the_rest_applied(
        ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    one_good_one_forged(ingest_client)
    assert inprocess.apply_due(get_pool(), "deployments", 100, settings) == 2
    rows = dict(sql.execute("SELECT e.ce_id, d.status FROM broker_deliveries d JOIN "
                            "broker_events e ON e.id = d.event_id WHERE d.kind = 'trigger' "
                            "AND d.subscriber = 'deployments'").fetchall())
    assert rows == {"dep-1": "delivered", "not-in-the-log": "dead_lettered"}
    dead = sql.execute("SELECT error_code, error_dest FROM broker_deliveries "
                       "WHERE kind = 'deadletter'").fetchall()
    assert dead == [(422, "in-process:http://127.0.0.1:9/function/deployments")]


def test_a_failed_transaction_puts_the_batch_back_for_a_retry(ingest_client, sql,
                                                               monkeypatch):
    settings = local_settings(monkeypatch)
    assert ingest_client.post("/", json=deployment(1)).status_code == 202
    with deployments_failing(sql):
        assert inprocess.apply_due(get_pool(), "deployments", 100, settings) == 1
    status, attempts, code = sql.execute(
        "SELECT status, attempts, last_status FROM broker_deliveries "
        "WHERE subscriber = 'deployments'").fetchone()
    assert (status, attempts, code) == ("pending", 1, 503)


def test_prune_drops_finished_work_and_keeps_the_rest(sql, db_url):
    events = [{**deployment(i), "source": "/test", "ptsseq": i} for i in range(3)]
    with get_pool().connection() as conn, conn.transaction():
        queue.enqueue(conn, [(e, ["deployments", "services"]) for e in events])
    sql.execute("UPDATE broker_deliveries SET status = 'delivered', finished_at = now() - "
                "interval '1 hour' WHERE subscriber = 'deployments' OR event_id = "
                "(SELECT min(id) FROM broker_events)")
    sql.execute("UPDATE broker_events SET received_at = now() - interval '1 hour'")
    with get_pool().connection() as conn, conn.transaction():
        assert upkeep.prune(conn, keep_seconds=60) == (4, 1)
        left = upkeep.backlog(conn)
    assert [(b.subscriber, b.pending) for b in left] == [("services", 2)]
    assert left[0].oldest_seconds >= 0
    assert sql.execute("SELECT count(*) FROM broker_events").fetchone()[0] == 2
