"""Emission (outbox) and the relay, through the ingest function's HTTP contract."""

from __future__ import annotations

import base64
import json
import threading

from pts.broker import queue
from pts.cloudevents.decode import decode_checked
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.eventing.relay import relay_once
from tests.eventing.helpers import deployment
from tests.support.wait import free_port


def post(client, *events):
    resp = client.post("/", json=list(events) if len(events) > 1 else events[0])
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return resp.get_json()


def emissions(sql):
    return sql.execute("SELECT seq, emitted_at IS NOT NULL, attempts, last_error "
                       "FROM event_emissions ORDER BY seq").fetchall()


def test_new_event_is_emitted_in_binary_mode_after_commit(ingest_client, sql, subscriber,
                                                          monkeypatch):
    sink = subscriber()
    monkeypatch.setenv("K_SINK", sink.url)
    monkeypatch.setenv("K_CE_OVERRIDES", json.dumps({"extensions": {"cluster": "home"}}))
    answer = post(ingest_client, deployment(1, time="2026-11-27T10:00:00Z"))
    seq = answer["events"][0]["seq"]
    sink.wait(1)
    h = sink.headers_of(0)
    assert h["ce-id"] == "dep-1" and h["ce-source"] == "/pts/plain"
    assert h["ce-type"] == "dev.pts.deployment.started"
    assert h["ce-subject"] == "d-1" and h["ce-time"] == "2026-11-27T10:00:00Z"
    assert h["ce-ptsseq"] == str(seq) and h["ce-cluster"] == "home"
    assert h["content-type"] == "application/json"
    assert json.loads(sink.received[0].body)["deployment_id"] == "d-1"
    assert emissions(sql) == [(seq, True, 1, None)]


def test_emitted_message_decodes_back_to_the_stored_event(ingest_client, subscriber,
                                                          monkeypatch):
    sink = subscriber()
    monkeypatch.setenv("K_SINK", sink.url)
    monkeypatch.setenv("PTS_FOREIGN_TYPES", "com.example.")
    event = {"specversion": "1.0", "id": "b 1", "source": "/caf\u00e9", "type": "com.example.blob",
             "note": '100% "sure"', "data_base64": base64.b64encode(b"\x00\xff").decode()}
    resp = ingest_client.post("/", data=json.dumps(event),
                              content_type="application/cloudevents+json")
    assert resp.status_code == 202, resp.get_json()
    sink.wait(1)
    h = sink.headers_of(0)
    # Percent-encoded on the wire; bytes without a type of their own say so.
    assert h["ce-id"] == "b%201" and h["ce-source"] == "/caf%C3%A9"
    assert h["ce-note"] == "100%25%20%22sure%22"
    assert h["content-type"] == "application/octet-stream"
    assert sink.received[0].body == b"\x00\xff"
    [back] = decode_checked(h, sink.received[0].body, get_settings())
    seq = resp.get_json()["events"][0]["seq"]
    assert back == {**event, "ptsseq": str(seq), "datacontenttype": "application/octet-stream"}


def test_duplicate_is_not_emitted_again(ingest_client, sql, subscriber, monkeypatch):
    sink = subscriber()
    monkeypatch.setenv("K_SINK", sink.url)
    post(ingest_client, deployment(1))
    assert post(ingest_client, deployment(1))["events"][0]["duplicate"] is True
    assert len(sink.received) == 1
    assert len(emissions(sql)) == 1


def test_sink_down_does_not_fail_ingest_and_relay_delivers_after_recovery(
        ingest_client, sql, subscriber, monkeypatch):
    monkeypatch.setenv("K_SINK", f"http://127.0.0.1:{free_port()}/")
    answer = post(ingest_client, deployment(1), deployment(2), deployment(3))
    assert answer["accepted"] == 3
    rows = emissions(sql)
    assert [r[1] for r in rows] == [False] * 3
    assert "Connection" in rows[0][3] or "refused" in rows[0][3]
    # Only the first was tried: the rest are marked with the same outage, not hammered.
    assert all(r[3] for r in rows)

    sink = subscriber()
    settings = get_settings(sink=sink.url, relay_delay=0)
    result = relay_once(get_pool(settings), settings)
    assert (result.emitted, result.failed) == (3, 0)
    assert sorted(sink.headers_of(i)["ce-id"] for i in range(3)) == ["dep-1", "dep-2", "dep-3"]
    assert [r[1] for r in emissions(sql)] == [True] * 3
    assert relay_once(get_pool(settings), settings).emitted == 0


def test_sink_error_status_leaves_event_pending(ingest_client, sql, subscriber, monkeypatch):
    sink = subscriber()
    sink.default = (503, {}, b"busy")
    monkeypatch.setenv("K_SINK", sink.url)
    post(ingest_client, deployment(1))
    ((_, emitted, attempts, error),) = emissions(sql)
    assert (emitted, attempts) == (False, 1) and "503" in error


def test_relay_waits_for_the_delay(ingest_client, sql, subscriber, monkeypatch):
    monkeypatch.setenv("K_SINK", f"http://127.0.0.1:{free_port()}/")
    post(ingest_client, deployment(1))
    sink = subscriber()
    settings = get_settings(sink=sink.url, relay_delay=3600)
    assert relay_once(get_pool(settings), settings).emitted == 0
    assert sink.received == []


def test_relays_running_at_once_send_each_event_once(ingest_client, sql, subscriber,
                                                     monkeypatch):
    monkeypatch.setenv("K_SINK", f"http://127.0.0.1:{free_port()}/")
    post(ingest_client, *[deployment(i) for i in range(6)])
    sink = subscriber()
    sink.default = 0.1  # slow: the relays overlap
    settings = get_settings(sink=sink.url, relay_delay=0, relay_batch=2)
    pool = get_pool(settings)
    results = []
    threads = [threading.Thread(target=lambda: results.append(relay_once(pool, settings)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [sink.headers_of(i)["ce-id"] for i in range(len(sink.received))]
    assert sorted(ids) == sorted(f"dep-{i}" for i in range(6))
    assert sum(r.emitted for r in results) == 6


def test_openfaas_mode_posts_to_every_subscriber(ingest_client, sql, subscriber, monkeypatch):
    gateway = subscriber()
    monkeypatch.setenv("PTS_EMIT_MODE", "openfaas")
    monkeypatch.setenv("PTS_OPENFAAS_GATEWAY", gateway.url.rstrip("/"))
    post(ingest_client, {"type": "deployment.succeeded", "id": "s-1", "deployment_id": "d-1",
                         "service": "api", "environment": "prod"},
         {"type": "platform.note", "id": "n-1", "text": "hello"})
    paths = sorted(r.path for r in gateway.received)
    assert paths == ["/async-function/deployments", "/async-function/images",
                     "/async-function/services"]
    assert [r[1] for r in emissions(sql)] == [True, True]  # no subscriber: nothing to send


def test_local_mode_queues_into_the_broker_without_http(ingest_client, sql, monkeypatch):
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    monkeypatch.setenv("PTS_BROKER_SUBSCRIBERS", json.dumps({"deployments": "http://x/"}))
    monkeypatch.setenv("PTS_BROKER_ROUTES", json.dumps({"deployments": ["dev.pts."]}))
    seq = post(ingest_client, deployment(1))["events"][0]["seq"]
    # The queue refers to the log row instead of copying the event (issue 11); a claim
    # builds the emitted form from it.
    (event, ref, subs), = sql.execute(
        "SELECT event, seq, subscribers FROM broker_events").fetchall()
    assert event is None and ref == seq and subs == ["deployments"]
    with get_pool(get_settings()).connection() as conn, conn.transaction():
        (claimed,) = queue.claim(conn, "test", 10, 30.0)
    assert claimed.event["ptsseq"] == seq and claimed.event["id"] == "dep-1"
    assert emissions(sql) == [(seq, True, 1, None)]


def test_relay_function_answers_with_counts(ingest_client, sql, subscriber, monkeypatch):
    monkeypatch.setenv("K_SINK", f"http://127.0.0.1:{free_port()}/")
    post(ingest_client, deployment(1))
    sink = subscriber()
    monkeypatch.setenv("K_SINK", sink.url)
    monkeypatch.setenv("PTS_RELAY_DELAY", "0")
    from tests.support.env import function_client

    client = function_client("relay")  # as the timer calls it, with the broker's secret
    resp = client.post("/")
    assert resp.status_code == 200 and resp.get_json() == {"emitted": 1, "failed": 0,
                                                           "batches": 1}
    assert client.get("/").status_code == 405


def test_without_a_sink_events_wait_in_the_outbox(ingest_client, sql, monkeypatch):
    monkeypatch.delenv("K_SINK", raising=False)
    seq = post(ingest_client, deployment(1))["events"][0]["seq"]
    assert emissions(sql) == [(seq, False, 0, None)]
