"""Concurrent requests carrying the same events: each stored event gets its outbox row in
the transaction that stored it, and is answered `duplicate: false` to exactly that request.
No deadlock reaches a client. Big batches append concurrently: there is no log-wide lock,
rows go in in one global key order (pts.eventlog), and seq still follows each request."""

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


def ce(i: int, source: str = "/ci/stress") -> dict:
    return {"specversion": "1.0", "type": "dev.pts.deployment.started", "source": source,
            "id": f"e-{i}", "data": {"deployment_id": f"d-{i}", "service": "api",
                                     "environment": "prod", "version": "1.0"}}


def post(client, events: list[dict]):
    return client.post("/", data=json.dumps(events), content_type=BATCH)


def lock_waiters(sql) -> int:
    return sql.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()").fetchone()[0]


def outbox(sql) -> list[int]:
    return sorted(r[0] for r in sql.execute("SELECT seq FROM event_emissions"))


def logged(sql) -> dict[str, int]:
    return dict(sql.execute("SELECT id, seq FROM platform_events").fetchall())


def hold(db_url, events: list[dict]) -> psycopg.Connection:
    """Another connection with an uncommitted append of events and their outbox rows, as
    ingest would leave them just before its commit."""
    other = psycopg.connect(to_conninfo(db_url))
    envs = [validate_event(e) for e in events]
    appended = event_log.append(other, envs)
    emit.record(other, [Stored(appended[(e.source, e.id)].seq, e) for e in envs])
    return other


def post_while_held(db_url, sql, held: list[dict], body: list[dict], other_commits: bool):
    """Post body while another transaction holds `held` uncommitted; the request must wait
    for it, then the other commits or rolls back. The request's answer."""
    other = hold(db_url, held)
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
    return resp


def shuffled_clients(events: list[dict], n_clients: int, seed: int, size) -> list:
    """Clients post the same events, each in its own shuffled order, in batches of
    size(rng) events; every (status, body) answered."""
    start = threading.Barrier(n_clients)

    def client_run(k: int) -> list[tuple[int, dict]]:
        rng = random.Random(seed + k)
        order = events[:]
        rng.shuffle(order)
        client = function_client("ingest")
        answers, i = [], 0
        start.wait()
        while i < len(order):
            n = size(rng)
            resp = post(client, order[i:i + n])
            i += n
            answers.append((resp.status_code, resp.get_json()))
        return answers

    with ThreadPoolExecutor(n_clients) as workers:
        return [a for r in workers.map(client_run, range(n_clients)) for a in r]


def assert_each_stored_and_emitted_once(sql, events: list[dict], results: list) -> None:
    assert {status for status, _ in results} == {202}, [b for s, b in results if s != 202][:2]
    answers = [e for _, body in results for e in body["events"]]
    log = logged(sql)
    assert len(log) == len(events)
    assert outbox(sql) == sorted(log.values())
    fresh = Counter(a["id"] for a in answers if not a["duplicate"])
    assert fresh == Counter({e["id"]: 1 for e in events})
    assert all(a["seq"] == log[a["id"]] for a in answers)


@pytest.mark.parametrize("other_commits", [True, False], ids=["other-commits", "other-rolls-back"])
def test_new_event_beside_one_another_transaction_is_storing(db_url, sql, other_commits):
    """The minimal reproduction: another transaction holds an uncommitted X; a request posts
    [Y (new), X]. Y must be answered new and have its outbox row, whatever the other does."""
    x, y = ce(1), ce(2)
    resp = post_while_held(db_url, sql, [x], [y, x], other_commits)
    by_id = {e["id"]: e for e in resp.get_json()["events"]}
    assert by_id["e-2"]["duplicate"] is False
    assert by_id["e-1"]["duplicate"] is other_commits
    log = logged(sql)
    assert set(log) == {"e-1", "e-2"}
    assert by_id["e-1"]["seq"] == log["e-1"] and by_id["e-2"]["seq"] == log["e-2"]
    assert outbox(sql) == sorted(log.values())  # every stored event has its outbox row


def test_overlapping_shuffled_batches_store_and_emit_each_event_once(db_url, sql):
    """8 clients, 120 events, batches of 1 to 20 (now and then 70)."""
    events = [ce(i) for i in range(120)]
    results = shuffled_clients(events, 8, 0, lambda rng: 70 if rng.random() < 0.08
                               else rng.randint(1, 20))
    assert_each_stored_and_emitted_once(sql, events, results)
    assert sum(len(body["events"]) for _, body in results) == 120 * 8


def test_overlapping_shuffled_big_batches_store_and_emit_each_event_once(db_url, sql):
    """6 clients, 400 events, batches of 65 to 160."""
    events = [ce(i) for i in range(400)]
    results = shuffled_clients(events, 6, 100, lambda rng: rng.randint(65, 160))
    assert_each_stored_and_emitted_once(sql, events, results)


def test_a_request_keeps_its_order_in_seq(ingest_client, sql):
    """Rows go in in key order; their seqs are the request's order all the same: equal
    event times are broken by seq, so a batch's seqs follow the batch."""
    events = [ce(i, source=s) for i, s in [(5, "/z"), (1, "/a"), (3, "/m")]]
    assert post(ingest_client, events).status_code == 202
    rows = sql.execute("SELECT source FROM platform_events ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == ["/z", "/a", "/m"]


def test_a_big_batch_keeps_its_order_in_seq(ingest_client, sql):
    events = [ce(i, source=f"/s{i % 7}") for i in range(120)][::-1]
    assert post(ingest_client, events).status_code == 202
    rows = sql.execute("SELECT source, id FROM platform_events ORDER BY seq").fetchall()
    assert rows == [(e["source"], e["id"]) for e in events]


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
    body = [ce(i) for i in range(50)] + held[::-1] + [ce(i) for i in range(150, 200)]
    resp = post_while_held(db_url, sql, held, body, other_commits)
    events = resp.get_json()["events"]
    duplicate = {e["id"]: e["duplicate"] for e in events}
    assert all(duplicate[e["id"]] is other_commits for e in held)
    assert not any(duplicate[f"e-{i}"] for i in [*range(50), *range(150, 200)])
    log = logged(sql)
    assert len(log) == 200 and all(log[e["id"]] == e["seq"] for e in events)
    assert outbox(sql) == sorted(log.values())
    # The request's own new rows have seqs in its order, though inserted in key order.
    mine = [e["seq"] for e in events if not e["duplicate"]]
    assert mine == sorted(mine)
