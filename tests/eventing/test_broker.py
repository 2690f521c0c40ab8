"""The local broker: ingress, Knative's delivery rules, dead letters."""

from __future__ import annotations

import base64
import json
import time

import pytest

from pts.broker import policy
from pts.config import get_settings
from tests.eventing.helpers import ce_headers
from tests.support.wait import wait_for


def deliveries(sql):
    return sql.execute("SELECT subscriber, kind, status, attempts, last_status, last_error "
                       "FROM broker_deliveries ORDER BY id").fetchall()


def test_ingress_accepts_binary_structured_and_batch(broker, sql, subscriber):
    b = broker.start(subscribers={"deployments": subscriber().url},
                     broker_backoff_delay=60)
    assert b.post(ce_headers(1))["deliveries"] == 1
    structured = {"specversion": "1.0", "id": "e-2", "source": "/test",
                  "type": "dev.pts.deployment.started", "data": {"a": 1}}
    assert b.post({"Content-Type": "application/cloudevents+json"},
                  json.dumps(structured))["deliveries"] == 1
    batch = [dict(structured, id="e-3"), dict(structured, id="e-4", type="dev.pts.other")]
    answer = b.post({"Content-Type": "application/cloudevents-batch+json"}, json.dumps(batch))
    assert answer == {"accepted": 2, "deliveries": 1}
    rows = sql.execute("SELECT ce_id, subscribers FROM broker_events ORDER BY id").fetchall()
    assert rows == [("e-1", ["deployments"]), ("e-2", ["deployments"]),
                    ("e-3", ["deployments"]), ("e-4", [])]
    event = sql.execute("SELECT event FROM broker_events WHERE ce_id = 'e-2'").fetchone()[0]
    assert event["data"] == {"a": 1}


@pytest.mark.parametrize("headers,body,field", [
    ({"Content-Type": "application/json"}, b'{"type": "x"}', None),
    ({**ce_headers(1), "ce-id": ""}, b"{}", "id"),
    ({"Content-Type": "application/cloudevents+json"}, b'{"specversion": "1.0"}', "id"),
])
def test_ingress_refuses_what_is_not_a_cloudevent(broker, sql, headers, body, field):
    b = broker.start()
    resp = b.client.post("/", headers=headers, data=body)
    assert resp.status_code == 400
    assert resp.content_type == "application/problem+json"
    if field:
        assert field in [e["field"] for e in resp.get_json()["errors"]]
    assert sql.execute("SELECT count(*) FROM broker_events").fetchone()[0] == 0


RETRIED = [500, 502, 503, 504, 404, 408, 409, 429]
NOT_RETRIED = [400, 401, 403, 405, 410, 413, 415, 422]


def per_status(subscriber, statuses, answer):
    """One trigger (and one subscriber) per status, all in one broker."""
    subs = {}
    for status in statuses:
        subs[f"h{status}"] = sub = subscriber()
        answer(sub, status)
    routes = {name: ["dev.pts.deployment.started"] for name in subs}
    return subs, routes


def test_retried_statuses(broker, sql, subscriber):
    def fail_once(sub, status):
        sub.responses = [(status, {}, b"no")]

    subs, routes = per_status(subscriber, RETRIED, fail_once)
    b = broker.start(routes=routes, subscribers={n: s.url for n, s in subs.items()})
    b.post(ce_headers(1))
    for sub in subs.values():
        sub.wait(2)
    wait_for(lambda: all(r[2] == "delivered" for r in deliveries(sql)))
    assert sorted(deliveries(sql)) == sorted(
        (f"h{s}", "trigger", "delivered", 2, 200, None) for s in RETRIED)


def test_not_retried_statuses_go_to_the_dead_letter_sink(broker, sql, subscriber):
    def refuse(sub, status):
        sub.default = (status, {}, b"refused")

    subs, routes = per_status(subscriber, NOT_RETRIED, refuse)
    dls = subscriber()
    b = broker.start(routes=routes, subscribers={n: s.url for n, s in subs.items()},
                     dead_letter=dls.url)
    b.post(ce_headers(1))
    dls.wait(len(NOT_RETRIED))
    # Every delivery final: a wrong retry would have left its row pending, or counted it.
    wait_for(lambda: len([r for r in deliveries(sql) if r[2] == "delivered"]) == 8)
    codes = set()
    for i in range(len(NOT_RETRIED)):
        h = dls.headers_of(i)
        status = int(h["ce-knativeerrorcode"])
        codes.add(status)
        assert h["ce-knativeerrordest"] == subs[f"h{status}"].url
        assert h["ce-ptstrigger"] == f"h{status}"
        assert base64.b64decode(h["ce-knativeerrordata"]) == b"refused"
    assert codes == set(NOT_RETRIED)
    assert all(len(sub.received) == 1 for sub in subs.values())
    assert sorted(r[:4] for r in deliveries(sql)) == sorted(
        [(f"h{s}", "trigger", "dead_lettered", 1) for s in NOT_RETRIED]
        + [(f"h{s}", "deadletter", "delivered", 1) for s in NOT_RETRIED])


def test_2xx_with_a_body_that_is_not_a_cloudevent_fails_as_502(broker, sql, subscriber):
    sub = subscriber()
    sub.responses = [(200, {"Content-Type": "text/plain"}, b"OK")]
    b = broker.start(subscribers={"deployments": sub.url})
    b.post(ce_headers(1))
    sub.wait(2)
    wait_for(lambda: deliveries(sql)[0][2] == "delivered")
    assert deliveries(sql)[0][3] == 2  # the "OK" answer was a failed attempt


def test_2xx_cloudevent_reply_is_published_to_the_broker(broker, sql, subscriber):
    sub = subscriber()
    reply = {**ce_headers(9, "dev.pts.deployment.started"), "ce-source": "/reply"}
    sub.responses = [(200, reply, b'{"r": 1}')]
    b = broker.start(subscribers={"deployments": sub.url})
    b.post(ce_headers(1))
    sub.wait(2)
    assert sub.headers_of(1)["ce-source"] == "/reply"
    assert deliveries(sql)[0][3] == 1


def test_exhausted_retries_dead_letter_with_the_error(broker, sql, subscriber):
    sub, dls = subscriber(), subscriber()
    body = b"x" * 5000
    sub.default = (503, {}, body)
    b = broker.start(subscribers={"deployments": sub.url}, dead_letter=dls.url,
                     broker_retry=3, broker_token="s3cret")
    b.post(ce_headers(1, ptsseq="7"), b'{"deployment_id": "d-1"}')
    dls.wait(1)
    assert len(sub.received) == 4  # the first attempt and 3 retries
    h = dls.headers_of(0)
    assert h["ce-id"] == "e-1" and h["ce-ptsseq"] == "7"
    assert h["ce-knativeerrorcode"] == "503" and h["ce-knativeerrordest"] == sub.url
    assert h["ce-ptstrigger"] == "deployments"
    assert len(h["ce-knativeerrordata"]) <= 1024
    assert body.startswith(base64.b64decode(h["ce-knativeerrordata"]))
    assert json.loads(dls.received[0].body) == {"deployment_id": "d-1"}
    assert all(sub.headers_of(i)["x-pts-broker-token"] == "s3cret" for i in range(4))
    assert h["x-pts-broker-token"] == "s3cret"


def test_backoff_grows_exponentially_up_to_the_cap(broker, subscriber):
    settings = get_settings(broker_backoff_delay=0.1, broker_backoff_max=0.5)
    assert [policy.backoff(n, settings) for n in (1, 2, 3, 4)] == [0.2, 0.4, 0.5, 0.5]
    sub = subscriber()
    sub.default = (500, {}, b"")
    b = broker.start(subscribers={"deployments": sub.url}, broker_retry=4,
                     broker_backoff_delay=0.05, broker_backoff_max=0.25)
    b.post(ce_headers(1))
    got = sub.wait(5)
    gaps = [b2.at - a.at for a, b2 in zip(got, got[1:], strict=False)]
    expected = [0.1, 0.2, 0.25, 0.25]
    for gap, want in zip(gaps, expected, strict=True):
        assert want - 0.01 <= gap <= want + 0.3, (gaps, expected)


def test_an_attempt_times_out_and_is_retried(broker, sql, subscriber):
    sub = subscriber()
    sub.responses = [1.5]  # the first answer comes too late
    b = broker.start(subscribers={"deployments": sub.url}, broker_timeout=0.3)
    b.post(ce_headers(1))
    sub.wait(2)
    wait_for(lambda: deliveries(sql)[0][2] == "delivered")
    assert deliveries(sql)[0][3] == 2


def test_transport_error_is_retried_then_dead_lettered(broker, sql, subscriber):
    from tests.support.wait import free_port

    dls = subscriber()
    gone = f"http://127.0.0.1:{free_port()}/"
    b = broker.start(subscribers={"deployments": gone}, dead_letter=dls.url, broker_retry=1)
    b.post(ce_headers(1))
    dls.wait(1)
    h = dls.headers_of(0)
    assert h["ce-knativeerrordest"] == gone and "ce-knativeerrorcode" not in h
    assert deliveries(sql)[0][3] == 2


def listening(sql) -> bool:
    """A dispatcher's listener connection has sent LISTEN and waits."""
    return sql.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND query LIKE 'LISTEN%' AND state = 'idle'"
                       ).fetchone()[0] > 0


def test_delivery_is_pushed_and_concurrent(broker, sql, subscriber):
    sub = subscriber()
    b = broker.start(subscribers={"deployments": sub.url})
    wait_for(lambda: listening(sql))  # idle: the dispatcher waits on LISTEN
    start = time.monotonic()
    b.post(ce_headers(1))
    sub.wait(1)
    latency = sub.received[0].at - start
    assert latency < 0.25, f"{latency * 1000:.0f} ms from ingress to subscriber"
    sub.default = 0.5
    start = time.monotonic()
    for i in range(2, 8):
        b.post(ce_headers(i))
    sub.wait(7)
    assert time.monotonic() - start < 1.8  # 6 x 0.5 s one after the other would be 3 s


def test_several_dispatchers_deliver_each_event_once(broker, sql, subscriber):
    sub = subscriber()
    sub.default = 0.05
    b = broker.start(subscribers={"deployments": sub.url}, count=3)
    for i in range(12):
        b.post(ce_headers(i))
    sub.wait(12)
    # A second send needs a second claim, which counts an attempt: once every row is final,
    # the subscriber has received exactly as many requests as there were attempts.
    wait_for(lambda: all(r[2] == "delivered" for r in deliveries(sql))
             and len(sub.received) == sum(r[3] for r in deliveries(sql)))
    assert sorted(sub.headers_of(i)["ce-id"] for i in range(len(sub.received))) == \
        sorted(f"e-{i}" for i in range(12))


def test_resume_makes_cut_off_deliveries_due(broker, sql):
    from pts.broker import queue
    from pts.db.pool import get_pool

    b = broker.start(subscribers={"deployments": "http://127.0.0.1:9/"}, count=0)
    b.post(ce_headers(1))
    pool = get_pool(b.settings)
    with pool.connection() as conn, conn.transaction():
        assert len(queue.claim(conn, "old-run", 10, lease=3600)) == 1
    with pool.connection() as conn, conn.transaction():
        assert queue.claim(conn, "new-run", 10, lease=3600) == []  # leased
        assert queue.resume(conn, "new-run") == 1
        (again,) = queue.claim(conn, "new-run", 10, lease=3600)
    assert again.attempts == 2


def test_a_batch_lock_carries_the_identity_and_a_single_claim_the_event(broker, sql):
    """In-process batches check the log's copy: their lock reads source, id, type and
    ptsseq only; an HTTP delivery gets the whole event. next_due can leave subscribers out
    (a dispatcher's handlers with a batch in flight)."""
    from pts.broker import queue
    from pts.db.pool import get_pool

    b = broker.start(routes={"deployments": ["dev.pts.deployment.started"],
                             "services": ["dev.pts.deployment.started"]},
                     subscribers={"deployments": "http://127.0.0.1:9/",
                                  "services": "http://127.0.0.1:9/"}, count=0)
    b.post(ce_headers(1, ptsseq="7"), body=b'{"deployment_id": "d-1", "n": 1.5}')
    pool = get_pool(b.settings)
    with pool.connection() as conn, conn.transaction():
        assert queue.next_due(conn, skip=["deployments", "services"]) is None
        assert queue.next_due(conn, skip=["services"]) <= 0
        batch = queue.lock_due(conn, "deployments", 10)
        rest = queue.claim(conn, "run", 10, 3600, skip=["deployments"])
    (slim,), (full,) = batch, rest
    assert slim.subscriber == "deployments" and full.subscriber == "services"
    assert set(slim.event) == {"source", "id", "type", "ptsseq"}
    assert {k: str(v) for k, v in full.event.items() if k in slim.event} == slim.event
    assert full.event["data"] == {"deployment_id": "d-1", "n": 1.5}
    assert "data" not in slim.event


def test_an_invalid_cloudevent_reply_is_dropped_not_redelivered(broker, sql, subscriber):
    sub = subscriber()
    sub.responses = [(200, {"ce-specversion": "1.0", "ce-type": "x"}, b"{}")]  # no id/source
    b = broker.start(subscribers={"deployments": sub.url})
    b.post(ce_headers(1))
    sub.wait(1)
    wait_for(lambda: deliveries(sql)[0][2] == "delivered")
    assert sql.execute("SELECT count(*) FROM broker_events").fetchone()[0] == 1


def test_next_due_counts_the_dead_letters_of_skipped_subscribers(broker, sql):
    """A dead letter carries its trigger's name as subscriber: leaving a busy handler's
    trigger deliveries out of the next due time must not leave its dead letters out."""
    from pts.broker import queue
    from pts.db.pool import get_pool

    b = broker.start(routes={"deployments": ["dev.pts.deployment.started"]},
                     subscribers={"deployments": "http://127.0.0.1:9/"}, count=0)
    b.post(ce_headers(1), body=b'{"deployment_id": "d-1"}')
    sql.execute("UPDATE broker_deliveries SET next_attempt_at = now() + interval '1 hour'")
    sql.execute("INSERT INTO broker_deliveries (event_id, kind, subscriber, error_dest, "
                "next_attempt_at) SELECT event_id, 'deadletter', subscriber, 'http://dlq/', "
                "now() + interval '10 minutes' FROM broker_deliveries")
    with get_pool(b.settings).connection() as conn:
        assert 590 < queue.next_due(conn, skip=["deployments"]) <= 600  # the dead letter
        assert 590 < queue.next_due(conn) <= 600  # the earlier of the two
        sql.execute("DELETE FROM broker_deliveries WHERE kind = 'deadletter'")
        assert queue.next_due(conn, skip=["deployments"]) is None
        assert 3590 < queue.next_due(conn) <= 3600


def test_next_due_of_named_subscribers_leaves_the_others_out_but_not_dead_letters(broker,
                                                                                   sql):
    """The dispatcher asks most rounds for its trigger table's subscribers only (the busy
    handlers left out), and of every subscriber once a second."""
    from pts.broker import queue
    from pts.db.pool import get_pool

    b = broker.start(routes={"deployments": ["dev.pts.deployment.started"],
                             "services": ["dev.pts.deployment.started"]},
                     subscribers={"deployments": "http://127.0.0.1:9/",
                                  "services": "http://127.0.0.1:9/"}, count=0)
    b.post(ce_headers(1), body=b'{"deployment_id": "d-1"}')
    sql.execute("UPDATE broker_deliveries SET next_attempt_at = now() + interval '1 hour' "
                "WHERE subscriber = 'services'")
    with get_pool(b.settings).connection() as conn:
        assert queue.next_due(conn, only=["deployments"]) <= 0
        assert 3590 < queue.next_due(conn, only=["services"]) <= 3600
        assert queue.next_due(conn, only=[]) is None  # a stray subscriber waits for a full ask
        assert queue.next_due(conn) <= 0
        sql.execute("INSERT INTO broker_deliveries (event_id, kind, subscriber, error_dest, "
                    "next_attempt_at) SELECT event_id, 'deadletter', subscriber, "
                    "'http://dlq/', now() + interval '10 minutes' FROM broker_deliveries "
                    "WHERE subscriber = 'services'")
        conn.rollback()  # now() of a new transaction: after the insert's
        assert 590 < queue.next_due(conn, only=["services"]) <= 600  # its dead letter
        assert 590 < queue.next_due(conn, only=[]) <= 600  # any dead letter counts
