"""The admin API's dead-letter redrive (over HTTP, real PostgreSQL) and the demo's events."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from pts.demo.world import demo_events
from pts.domain.catalog import model_for
from pts.usecases import deadletters
from tests.support.env import function_client


def _letter(sql, event_id="e-1", trigger="deployments") -> int:
    raw = {"specversion": "1.0", "id": event_id, "source": "/test",
           "type": "dev.pts.deployment.started", "data": {"deployment_id": "d-1"},
           "knativeerrordest": "http://h/function/deployments", "knativeerrorcode": "422",
           "knativeerrordata": base64.b64encode(b"no such environment").decode(),
           "ptstrigger": trigger}
    with sql.transaction():
        return deadletters.store(sql, raw)


def test_redrive_requeues_the_letter_for_its_trigger_and_answers_it(db_url, sql):
    id_ = _letter(sql)
    client = function_client("admin")
    resp = client.post(f"/api/deadletters/{id_}/redrive")
    assert resp.status_code == 200, resp.get_json()
    letter = resp.get_json()
    assert letter["id"] == id_ and letter["redrive_count"] == 1 and letter["redriven_at"]
    assert letter["event_id"] == "e-1" and letter["error_code"] == 422
    # The event went back into the local broker's queue, to the trigger that failed only.
    rows = sql.execute("SELECT e.event->>'id', d.subscriber FROM broker_events e "
                       "JOIN broker_deliveries d ON d.event_id = e.id").fetchall()
    assert rows == [("e-1", "deployments")]
    again = client.post(f"/api/deadletters/{id_}/redrive")
    assert again.status_code == 409 and again.content_type == "application/problem+json"


def test_redrive_refusals_are_problems(db_url, sql, make_token):
    id_ = _letter(sql)
    client = function_client("admin")
    for path in ("/api/deadletters/999999/redrive", "/api/deadletters/abc/redrive",
                 "/api/deadletters/999999/discard"):  # discard exists (issue 15): unknown id
        resp = client.post(path)
        assert resp.status_code == 404 and resp.content_type == "application/problem+json"
    get = client.get(f"/api/deadletters/{id_}/redrive")
    assert get.status_code == 405 and get.headers["Allow"] == "POST"
    reader = function_client("admin", token=make_token("reader", "read"))
    assert reader.post(f"/api/deadletters/{id_}/redrive").status_code == 403
    assert function_client("admin", token=None).post(
        f"/api/deadletters/{id_}/redrive").status_code == 401
    assert sql.execute("SELECT redrive_count FROM dead_letters").fetchone() == (0,)


def test_redrive_to_a_refusing_sink_keeps_the_letter_open(db_url, sql, monkeypatch):
    id_ = _letter(sql)
    monkeypatch.setenv("K_SINK", "http://127.0.0.1:9/nowhere")  # nothing listens there
    resp = function_client("admin").post(f"/api/deadletters/{id_}/redrive")
    assert resp.status_code == 502 and "stays open" in resp.get_json()["detail"]
    row = sql.execute("SELECT redriven_at, redrive_error FROM dead_letters").fetchone()
    assert row[0] is None and row[1]


END = datetime(2026, 11, 28, 7, tzinfo=UTC)


def test_the_demo_is_deterministic_valid_and_in_the_past():
    events = demo_events(END)
    assert events == demo_events(END)
    assert len({(e["source"], e["id"]) for e in events}) == len(events) > 400
    for e in events:
        model = model_for(e["type"])
        model.model_validate(e["data"])
        assert e["time"] <= "2026-11-28T07:00:00Z"
    types = {e["type"] for e in events}
    assert {"dev.pts.deployment.failed", "dev.pts.deployment.rolled_back",
            "dev.pts.service.health_changed", "dev.pts.image.published"} <= types
    started = [e["data"] for e in events if e["type"] == "dev.pts.deployment.started"]
    assert all(d["changes"] and d["commit_time"] == d["changes"][-1]["time"] for d in started)
    assert {d["environment"] for d in started} == {"dev", "staging", "prod"}
    assert len({d["service"] for d in started}) == 5


def test_the_demo_is_accepted_by_ingest_and_a_second_post_is_all_duplicates(ingest_client):
    events = demo_events(END)
    headers = {"Content-Type": "application/cloudevents-batch+json"}
    first = ingest_client.post("/", data=json.dumps(events), headers=headers)
    assert first.status_code == 202, first.get_json()
    assert not any(e["duplicate"] for e in first.get_json()["events"])
    second = ingest_client.post("/", data=json.dumps(events), headers=headers)
    assert all(e["duplicate"] for e in second.get_json()["events"])
