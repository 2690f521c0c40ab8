"""Events that ingest queues in local mode are stored by reference to the log (issue 11):
HTTP subscribers, the dead-letter sink and redrive still get the emitted form, over HTTP."""

from __future__ import annotations

import json
import threading

import pytest
from psycopg.rows import dict_row
from werkzeug.serving import make_server

from pts.cloudevents.encode import to_binary
from pts.cloudevents.event import to_json
from pts.eventing.emit import outgoing
from tests.support.env import function_client
from tests.support.wait import wait_for

OVERRIDES = {"extensions": {"cluster": "home"}}


@pytest.fixture
def deadletter_url(db_url):
    """The deadletter function served over real HTTP, as `pts up` mounts it."""
    from functions_framework import create_app

    from tests.support.env import ROOT
    app = create_app("deadletter", str(ROOT / "functions" / "deadletter" / "main.py"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(autouse=True)
def _local(monkeypatch):
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    monkeypatch.setenv("K_CE_OVERRIDES", json.dumps(OVERRIDES))


def _ingest(*events) -> list[int]:
    resp = function_client("ingest").post("/", json=list(events))
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return [e["seq"] for e in resp.get_json()["events"]]


def _emitted(sql, seq: int, settings) -> tuple[dict, bytes]:
    """The binary CloudEvent the outbox would send for log row seq (the relay's way)."""
    with sql.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM platform_events WHERE seq = %s", (seq,)).fetchone()
    headers, body = to_binary(outgoing(to_json(row), seq, settings))
    return {k.lower(): v for k, v in headers.items()}, body


def _event(i: int) -> dict:
    return {"type": "deployment.started", "id": f"ref-{i}", "deployment_id": f"d-{i}",
            "service": "api", "environment": "prod", "version": "1.0",
            "note": "caf\u00e9 \u2713", "n": 12345678901234567890}


def test_http_subscriber_receives_the_emitted_form_of_an_event_stored_by_reference(
        broker, sql, subscriber, monkeypatch):
    sub = subscriber()
    b = broker.start(subscribers={"deployments": sub.url})
    seqs = _ingest(_event(1), _event(2))
    stored = sql.execute("SELECT seq, event IS NULL FROM broker_events ORDER BY id").fetchall()
    assert stored == [(seqs[0], True), (seqs[1], True)]  # references, no copies
    got = sorted(sub.wait(2), key=lambda r: r.headers["ce-id"])
    for received, seq in zip(got, seqs, strict=True):
        headers, body = _emitted(sql, seq, b.settings)
        sent = {k.lower(): v for k, v in received.headers.items()}
        assert {k: sent.get(k) for k in headers} == headers
        assert received.body == body
        assert sent["ce-ptsseq"] == str(seq) and sent["ce-cluster"] == "home"
        assert json.loads(received.body)["note"] == "caf\u00e9 \u2713"
    wait_for(lambda: sql.execute("SELECT count(*) FROM broker_deliveries WHERE status = "
                                 "'delivered'").fetchone()[0] == 2)


def test_dead_letter_of_an_event_stored_by_reference_shows_it_and_redrives(
        broker, sql, subscriber, monkeypatch, deadletter_url):
    sub = subscriber()
    sub.responses = [(422, {}, b"no such environment")]  # not retried: dead-lettered at once
    b = broker.start(subscribers={"deployments": sub.url}, dead_letter=deadletter_url)
    (seq,) = _ingest(_event(1))
    wait_for(lambda: sql.execute("SELECT count(*) FROM dead_letters").fetchone()[0] == 1)

    # The letter, as the admin page lists it (the search API's /deadletters), holds the event
    # as delivered: the log row's emitted form, ptsseq and overrides included (extensions
    # are strings in a binary-mode CloudEvent).
    letters = function_client("search").get("/deadletters").get_json()["items"]
    assert len(letters) == 1
    letter = letters[0]
    expected = outgoing(to_json(sql.cursor(row_factory=dict_row).execute(
        "SELECT * FROM platform_events WHERE seq = %s", (seq,)).fetchone()), seq, b.settings)
    assert letter["event"] == {**expected, "ptsseq": str(seq)}
    assert letter["event"]["cluster"] == "home"
    assert (letter["error_code"], letter["error_trigger"], letter["reason"]) == (
        422, "deployments", "no such environment")

    # Redrive (admin API, no sink: into the local broker's queue, as a copy this time) and
    # the subscriber, now answering 200, gets the same event again.
    resp = function_client("admin").post(f"/api/deadletters/{letter['id']}/redrive")
    assert resp.status_code == 200, resp.get_json()
    again = sub.wait(2)[1]
    first = sub.received[0]
    assert again.body == first.body
    assert {k.lower(): v for k, v in again.headers.items() if k.lower().startswith("ce-")} == {
        k.lower(): v for k, v in first.headers.items() if k.lower().startswith("ce-")}
    wait_for(lambda: sql.execute(
        "SELECT count(*) FROM broker_deliveries d JOIN broker_events e ON e.id = d.event_id "
        "WHERE d.status = 'delivered' AND e.event IS NOT NULL AND e.seq IS NULL"
    ).fetchone()[0] == 1)  # the redriven copy's delivery


@pytest.mark.fresh_database
def test_downgrade_writes_the_copies_back(owner_url, sql):
    from pts.db.migrate import downgrade, upgrade
    sql.execute("SET TIME ZONE 'Europe/Paris'")  # the copies' times are written in UTC
    event = dict(_event(3), time="2026-11-28T10:00:00.250+01:00")
    seqs = _ingest(event, _event(4))
    with sql.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT * FROM platform_events ORDER BY seq").fetchall()
    downgrade(owner_url, "0019_deadletters_due_index")
    copies = [r[0] for r in sql.execute("SELECT event FROM broker_events ORDER BY id")]
    assert copies == [json.loads(json.dumps({**to_json(r), "ptsseq": s}))
                      for r, s in zip(rows, seqs, strict=True)]
    upgrade(owner_url)


def test_relay_in_local_mode_queues_by_reference(broker, sql, subscriber, monkeypatch):
    from pts.config import get_settings
    from pts.usecases.wiring import relay
    sub = subscriber()
    b = broker.start(subscribers={"deployments": sub.url})
    # An event whose emission is still pending (ingested with a sink that is down), then
    # relayed by `pts up`'s relay into the local broker.
    monkeypatch.setenv("PTS_EMIT_MODE", "sink")
    monkeypatch.setenv("K_SINK", "http://127.0.0.1:9/")
    (seq,) = _ingest(_event(5))
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    monkeypatch.setenv("PTS_RELAY_DELAY", "0")
    assert relay(get_settings()).emitted == 1
    assert sql.execute("SELECT seq, event IS NULL FROM broker_events").fetchall() == [
        (seq, True)]
    (received,) = sub.wait(1)
    headers, body = _emitted(sql, seq, b.settings)
    assert received.body == body
    assert {k.lower(): v for k, v in received.headers.items()}["ce-ptsseq"] == str(seq)
