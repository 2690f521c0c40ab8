"""The deadletter function (HTTP, binary and structured), listing and redrive."""

from __future__ import annotations

import base64
import json

from pts.cli import main
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.domain.timefmt import parse_rfc3339
from pts.usecases import deadletters
from tests.eventing.helpers import ce_headers


def dead_letter_headers(i=1, code="503", dest="http://h/function/deployments"):
    return ce_headers(i, knativeerrordest=dest, knativeerrorcode=code,
                      knativeerrordata=base64.b64encode(b"boom").decode(),
                      ptstrigger="deployments")


def test_deadletter_stores_the_event_and_its_error(db_url, sql):
    client = _client()
    resp = client.post("/", headers=dead_letter_headers(), data=b'{"deployment_id": "d-1"}')
    assert resp.status_code == 204 and resp.get_data() == b""
    row = sql.execute("SELECT event_source, event_id, event_type, event, error_dest, "
                      "error_code, error_data, error_trigger FROM dead_letters").fetchone()
    source, id_, type_, event, dest, code, data, trigger = row
    assert (source, id_, type_) == ("/test", "e-1", "dev.pts.deployment.started")
    assert event == {"specversion": "1.0", "id": "e-1", "source": "/test",
                     "type": "dev.pts.deployment.started",
                     "datacontenttype": "application/json", "data": {"deployment_id": "d-1"}}
    assert (dest, code, base64.b64decode(data), trigger) == (
        "http://h/function/deployments", 503, b"boom", "deployments")
    # At-least-once: the same dead letter delivered twice is one row.
    client.post("/", headers=dead_letter_headers(), data=b'{"deployment_id": "d-1"}')
    assert sql.execute("SELECT count(*) FROM dead_letters").fetchone()[0] == 1


def test_deadletter_accepts_structured_mode_and_refuses_junk(db_url, sql):
    client = _client()
    event = {"specversion": "1.0", "id": "e-2", "source": "/t", "type": "x.y",
             "knativeerrordest": "http://d", "data": {"a": 1}}
    resp = client.post("/", data=json.dumps(event),
                       headers={"Content-Type": "application/cloudevents+json"})
    assert resp.status_code == 204
    assert sql.execute("SELECT error_code, event->'data' FROM dead_letters").fetchone() == (
        None, {"a": 1})
    bad = client.post("/", data=b"{}", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.content_type == "application/problem+json"
    assert client.get("/").status_code == 405


def test_redrive_over_http_sends_the_event_without_error_extensions(db_url, sql, subscriber,
                                                                     capsys):
    client = _client()
    for i in (1, 2):
        client.post("/", headers=dead_letter_headers(i), data=b'{"n": 1}')
    sink = subscriber()
    assert main(["deadletters", "list", "--database-url", db_url]) == 0
    assert "e-1" in capsys.readouterr().out
    assert main(["deadletters", "list", "--json", "--database-url", db_url]) == 0
    letters = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(letters) == 2
    for letter in letters:  # RFC 3339 with Z, as PTS's own parser takes it
        assert letter["received_at"].endswith("Z") and parse_rfc3339(letter["received_at"])
    (first,) = [r[0] for r in sql.execute("SELECT id FROM dead_letters WHERE event_id = 'e-1'")]
    assert main(["deadletters", "redrive", str(first), "--sink", sink.url,
                 "--database-url", db_url]) == 0
    sink.wait(1)
    h = sink.headers_of(0)
    assert h["ce-id"] == "e-1" and not any(k.startswith("ce-knativeerror") for k in h)
    assert "ce-ptstrigger" not in h and json.loads(sink.received[0].body) == {"n": 1}
    rows = sql.execute("SELECT event_id, redriven_at IS NOT NULL, redrive_count "
                       "FROM dead_letters ORDER BY id").fetchall()
    assert rows == [("e-1", True, 1), ("e-2", False, 0)]
    # Redriven letters are no longer open; redriving an unknown id is an error.
    assert main(["deadletters", "redrive", str(first), "--sink", sink.url,
                 "--database-url", db_url]) == 2


def test_redrive_to_a_failing_sink_keeps_the_letter_open(db_url, sql, subscriber):
    _client().post("/", headers=dead_letter_headers(), data=b"{}")
    sink = subscriber()
    sink.default = (500, {}, b"")
    assert main(["deadletters", "redrive", "--sink", sink.url, "--database-url", db_url]) == 1
    assert sql.execute("SELECT redriven_at, redrive_error FROM dead_letters").fetchone() == (
        None, "HTTP 500")


def test_redrive_into_the_local_broker_targets_the_failed_trigger(db_url, sql):
    _client().post("/", headers=dead_letter_headers(), data=b"{}")
    settings = get_settings()
    with get_pool(settings).connection() as conn, conn.transaction():
        done, failed = deadletters.redrive(conn, None,
                                           deadletters.broker_resender(conn, settings))
    assert (len(done), failed) == (1, {})
    assert sql.execute("SELECT d.subscriber, d.status, e.ce_id FROM broker_deliveries d "
                       "JOIN broker_events e ON e.id = d.event_id").fetchall() == [
        ("deployments", "pending", "e-1")]


def _client():
    """The deadletter function as the broker calls it (with the broker's secret)."""
    from tests.support.env import function_client

    return function_client("deadletter")
