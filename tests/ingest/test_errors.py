"""Every error status of ingest, each a problem+json naming what is wrong, none storing."""

from __future__ import annotations

import json

import pytest

from tests.ingest.helpers import count, deployment
from tests.support.env import function_client

PROBLEM = "application/problem+json"
TYPE = "dev.pts.deployment.started"


def ce(id_="e-1", **overrides) -> dict:
    return {"specversion": "1.0", "type": TYPE, "source": "/ci", "id": id_,
            "data": deployment(), **overrides}


def post_batch(client, events):
    return client.post("/", data=json.dumps(events),
                       content_type="application/cloudevents-batch+json")


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type == PROBLEM
    body = resp.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("body", [b"{", b"[1,", b"\xff\xfe", b"nul"])
def test_malformed_json_is_400(ingest_client, sql, body):
    assert_problem(ingest_client.post("/", data=body, content_type="application/json"), 400)
    assert count(sql) == 0


def test_missing_attribute_is_400_naming_it(ingest_client, sql):
    event = ce()
    del event["source"]
    body = assert_problem(ingest_client.post("/", json=event), 400)
    assert body["errors"] == [{"index": 0, "field": "source",
                               "message": "required attribute is missing"}]


def test_bad_time_is_400(ingest_client):
    body = assert_problem(ingest_client.post("/", json=ce(time="yesterday")), 400)
    assert body["errors"][0]["field"] == "time"


def test_binary_mode_bad_percent_encoding_is_400(ingest_client, sql):
    headers = {"ce-specversion": "1.0", "ce-type": TYPE, "ce-source": "/ci%zz", "ce-id": "1",
               "Content-Type": "application/json"}
    body = assert_problem(ingest_client.post("/", data=json.dumps(deployment()),
                                             headers=headers), 400)
    assert body["errors"][0]["field"] == "source"
    assert count(sql) == 0


def test_binary_mode_body_that_is_not_its_json_is_400(ingest_client):
    headers = {"ce-specversion": "1.0", "ce-type": TYPE, "ce-source": "/ci", "ce-id": "1",
               "Content-Type": "application/json"}
    assert_problem(ingest_client.post("/", data=b"{nope", headers=headers), 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
def test_unsupported_content_type_is_415(ingest_client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    assert_problem(ingest_client.post("/", data=b"hello", headers=headers), 415)


def test_unknown_type_is_422(ingest_client, sql):
    body = assert_problem(ingest_client.post("/", json={"type": "deployment.exploded"}), 422)
    assert body["errors"][0]["field"] == "type"
    assert_problem(ingest_client.post("/", json=ce(type="com.example.thing")), 422)
    assert count(sql) == 0


def test_data_failing_its_schema_is_422_naming_the_field(ingest_client, sql):
    data = deployment()
    del data["version"]
    body = assert_problem(ingest_client.post("/", json=ce(data=data)), 422)
    assert body["errors"] == [{"index": 0, "field": "data.version", "message": "Field required"}]
    bad_health = {"type": "service.health_changed", "service": "a", "environment": "b",
                  "status": "sleepy"}
    body = assert_problem(ingest_client.post("/", json=bad_health), 422)
    assert body["errors"][0]["field"] == "data.status"


def test_one_invalid_event_rejects_the_whole_batch(ingest_client, sql):
    bad = ce("e-2", data={"service": "api"})
    body = assert_problem(post_batch(ingest_client, [ce("e-1"), bad, ce("e-3")]), 422)
    assert {e["index"] for e in body["errors"]} == {1}
    assert count(sql) == 0


def test_errors_name_every_invalid_event(ingest_client):
    events = [ce("e-1", time="noon"), ce("e-2"), ce("", data={})]
    body = assert_problem(post_batch(ingest_client, events), 400)
    assert {(e["index"], e["field"]) for e in body["errors"]} == {(0, "time"), (2, "id")}


def test_body_over_the_limit_is_413(ingest_client, sql, monkeypatch):
    monkeypatch.setenv("PTS_MAX_BODY_BYTES", "2048")
    big = ce(data=deployment(note="x" * 4096))
    assert_problem(ingest_client.post("/", json=big), 413)
    assert count(sql) == 0


def test_batch_over_the_limit_is_413(ingest_client, sql, monkeypatch):
    monkeypatch.setenv("PTS_MAX_BATCH_EVENTS", "3")
    assert_problem(post_batch(ingest_client, [ce(f"e-{i}") for i in range(4)]), 413)
    assert post_batch(ingest_client, [ce(f"e-{i}") for i in range(3)]).status_code == 202


def test_default_limits_are_one_mebibyte_and_a_thousand_events(ingest_client, sql):
    assert_problem(post_batch(ingest_client, [ce(f"e-{i}") for i in range(1001)]), 413)
    resp = post_batch(ingest_client, [ce(f"e-{i}") for i in range(1000)])
    assert resp.status_code == 202 and count(sql) == 1000
    huge = ingest_client.post("/", data=b" " * (1024 * 1024 + 1), content_type="application/json")
    assert_problem(huge, 413)


def test_deeply_nested_json_is_refused_not_crashed(ingest_client, sql):
    deep = b"[" * 100_000 + b"]" * 100_000
    resp = ingest_client.post("/", data=deep, content_type="application/json")
    assert resp.status_code == 422 and resp.content_type == PROBLEM


def test_get_is_405(ingest_client):
    resp = ingest_client.get("/")
    assert_problem(resp, 405)
    assert resp.headers["Allow"] == "POST"


def test_database_unreachable_is_503_with_retry_after(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://pts@127.0.0.1:9/pts?connect_timeout=1")
    monkeypatch.setenv("PTS_POOL_TIMEOUT", "1")
    client = function_client("ingest")
    resp = client.post("/", json={"type": "deployment.started", **deployment()})
    assert_problem(resp, 503)
    assert resp.headers["Retry-After"].isdigit()
