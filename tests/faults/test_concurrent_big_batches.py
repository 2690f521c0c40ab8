"""Big batches append concurrently: no log-wide lock, rows go in in one global key order
(pts.eventlog), and seq still follows each request."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from pts import eventlog as event_log
from pts.db.urls import to_conninfo
from pts.domain.envelope import validate_event
from pts.eventing import emit
from pts.usecases.ingest import Stored
from tests.support.env import function_client
from tests.support.wait import wait_for

pytestmark = pytest.mark.faults

BATCH = "application/cloudevents-batch+json"


def ce(i: int, source: str = "/ci/big") -> dict:
    return {"specversion": "1.0", "type": "dev.pts.deployment.started", "source": source,
            "id": f"e-{i:04d}", "data": {"deployment_id": f"d-{i}", "service": "api",
                                         "environment": "prod", "version": "1.0"}}


def post(client, events: list[dict]):
    return client.post("/", data=json.dumps(events), content_type=BATCH)


def lock_waiters(sql) -> int:
    return sql.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()").fetchone()[0]


def hold(db_url, events: list[dict]) -> psycopg.Connection:
    """Another connection with an uncommitted append of events (and their outbox rows)."""
    other = psycopg.connect(to_conninfo(db_url))
    envs = [validate_event(e) for e in events]
    appended = event_log.append(other, envs)
    emit.record(other, [Stored(appended[(e.source, e.id)].seq, e) for e in envs])
    return other


def test_a_big_batch_does_not_wait_for_another_that_shares_no_event(db_url, sql):
    other = hold(db_url, [ce(i) for i in range(200)])
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(
        post(function_client("ingest"), [ce(i) for i in range(200, 400)])))
    try:
        request.start()
        request.join(20)
        waited = request.is_alive()
        other.commit()
        request.join(10)
    finally:
        other.close()
    assert not waited, "the request waited for a transaction it shares no event with"
    [resp] = answers
    assert resp.status_code == 202, resp.get_data(as_text=True)
    assert not any(e["duplicate"] for e in resp.get_json()["events"])
    assert sql.execute("SELECT count(*) FROM platform_events").fetchone()[0] == 400
    assert sql.execute("SELECT count(*) FROM event_emissions").fetchone()[0] == 400


@pytest.mark.parametrize("other_commits", [True, False], ids=["other-commits", "other-rolls-back"])
def test_big_batches_overlapping_in_reverse_order(db_url, sql, other_commits):
    """Another transaction holds 100 events; a request posts them reversed, with 100 new
    ones around them. It waits, then answers each event as the other's outcome says."""
    held = [ce(i) for i in range(50, 150)]
    other = hold(db_url, held)
    body = [ce(i) for i in range(50)] + held[::-1] + [ce(i) for i in range(150, 200)]
    answers: list = []
    request = threading.Thread(
        target=lambda: answers.append(post(function_client("ingest"), body)))
    try:
        request.start()
        wait_for(lambda: lock_waiters(sql) > 0 or not request.is_alive(), timeout=5.0)
        assert request.is_alive(), "the request did not wait for the other transaction"
        other.commit() if other_commits else other.rollback()
        request.join(10)
        assert not request.is_alive()
    finally:
        other.close()
    [resp] = answers
    assert resp.status_code == 202, resp.get_data(as_text=True)
    events = resp.get_json()["events"]
    duplicate = {e["id"]: e["duplicate"] for e in events}
    assert all(duplicate[e["id"]] is other_commits for e in held)
    assert not any(duplicate[f"e-{i:04d}"] for i in [*range(50), *range(150, 200)])
    log = dict(sql.execute("SELECT id, seq FROM platform_events").fetchall())
    assert len(log) == 200 and all(log[e["id"]] == e["seq"] for e in events)
    emitted = sorted(r[0] for r in sql.execute("SELECT seq FROM event_emissions"))
    assert emitted == sorted(log.values())
    # The request's own new rows have seqs in its order, though inserted in key order.
    mine = [e["seq"] for e in events if not e["duplicate"]]
    assert mine == sorted(mine)


def test_overlapping_shuffled_big_batches_store_and_emit_each_event_once(db_url, sql):
    n_events, n_clients = 400, 6
    events = [ce(i) for i in range(n_events)]
    start = threading.Barrier(n_clients)

    def client_run(k: int) -> list[tuple[int, dict]]:
        rng = random.Random(100 + k)
        order = events[:]
        rng.shuffle(order)
        client = function_client("ingest")
        answers, i = [], 0
        start.wait()
        while i < len(order):
            size = rng.randint(65, 160)
            resp = post(client, order[i:i + size])
            i += size
            answers.append((resp.status_code, resp.get_json()))
        return answers

    with ThreadPoolExecutor(n_clients) as workers:
        results = [a for r in workers.map(client_run, range(n_clients)) for a in r]
    assert {status for status, _ in results} == {202}, [b for s, b in results if s != 202][:2]
    answers = [e for _, body in results for e in body["events"]]
    log = dict(sql.execute("SELECT id, seq FROM platform_events").fetchall())
    assert len(log) == n_events
    assert sorted(r[0] for r in sql.execute("SELECT seq FROM event_emissions")) == \
        sorted(log.values())
    assert Counter(a["id"] for a in answers if not a["duplicate"]) == \
        Counter({e["id"]: 1 for e in events})
    assert all(a["seq"] == log[a["id"]] for a in answers)


def test_a_big_batch_keeps_its_order_in_seq(ingest_client, sql):
    """Rows go in in key order; their seqs are the request's order all the same."""
    events = [ce(i, source=f"/s{i % 7}") for i in range(120)][::-1]
    assert post(ingest_client, events).status_code == 202
    rows = sql.execute("SELECT source, id FROM platform_events ORDER BY seq").fetchall()
    assert rows == [(e["source"], e["id"]) for e in events]
