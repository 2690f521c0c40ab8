"""Concurrent requests carrying the same events: each stored event gets its outbox row in
the transaction that stored it, and is answered `duplicate: false` to exactly that request.
No deadlock reaches a client."""

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


@pytest.mark.parametrize("other_commits", [True, False], ids=["other-commits", "other-rolls-back"])
def test_new_event_beside_one_another_transaction_is_storing(db_url, sql, other_commits):
    """The minimal reproduction: another transaction holds an uncommitted X; a request posts
    [Y (new), X]. Y must be answered new and have its outbox row, whatever the other does."""
    x, y = ce(1), ce(2)
    other = psycopg.connect(to_conninfo(db_url))
    try:
        env_x = validate_event(x)
        [(seq_x_other)] = [a.seq for a in event_log.append(other, [env_x]).values()]
        emit.record(other, [Stored(seq_x_other, env_x)])  # as ingest would, uncommitted
        answers: list = []
        request = threading.Thread(
            target=lambda: answers.append(post(function_client("ingest"), [y, x])))
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
    by_id = {e["id"]: e for e in resp.get_json()["events"]}
    assert by_id["e-2"]["duplicate"] is False
    assert by_id["e-1"]["duplicate"] is other_commits
    log = logged(sql)
    assert set(log) == {"e-1", "e-2"}
    assert by_id["e-1"]["seq"] == log["e-1"] and by_id["e-2"]["seq"] == log["e-2"]
    assert outbox(sql) == sorted(log.values())  # every stored event has its outbox row


def test_overlapping_shuffled_batches_store_and_emit_each_event_once(db_url, sql):
    """Clients post the same events, each in its own shuffled order and batch sizes (now
    and then a batch bigger than the per-event lock limit)."""
    n_events, n_clients = 120, 8
    events = [ce(i) for i in range(n_events)]
    start = threading.Barrier(n_clients)

    def client_run(k: int) -> list[tuple[int, dict]]:
        rng = random.Random(k)
        order = events[:]
        rng.shuffle(order)
        client = function_client("ingest")
        answers, i = [], 0
        start.wait()
        while i < len(order):
            size = 70 if rng.random() < 0.08 else rng.randint(1, 20)
            resp = post(client, order[i:i + size])
            i += size
            answers.append((resp.status_code, resp.get_json()))
        return answers

    with ThreadPoolExecutor(n_clients) as workers:
        results = [a for r in workers.map(client_run, range(n_clients)) for a in r]
    assert {status for status, _ in results} == {202}, [b for s, b in results if s != 202][:2]
    answers = [e for _, body in results for e in body["events"]]
    log = logged(sql)
    assert len(log) == n_events
    assert outbox(sql) == sorted(log.values())
    fresh = Counter(a["id"] for a in answers if not a["duplicate"])
    assert fresh == Counter({e["id"]: 1 for e in events})
    assert all(a["seq"] == log[a["id"]] for a in answers)
    assert len(answers) == n_events * n_clients


def test_a_request_keeps_its_order_in_seq(ingest_client, sql):
    """Lock order is by key, insert order is the request's: equal event times are broken
    by seq, so a batch's seqs follow the batch."""
    events = [ce(i, source=s) for i, s in [(5, "/z"), (1, "/a"), (3, "/m")]]
    assert post(ingest_client, events).status_code == 202
    rows = sql.execute("SELECT source FROM platform_events ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == ["/z", "/a", "/m"]
