"""The handler functions through HTTP, as the broker calls them."""

import json

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from pts.db import pool as db_pool
from tests.support.env import function_client

from .helpers import event, log, one, rows

STARTED = dict(deployment_id="d1", service="api", environment="prod", version="1.0")


def cloudevent(raw: dict, **extra) -> CloudEvent:
    attrs = {k: v for k, v in raw.items() if k != "data"}
    return CloudEvent({**attrs, **extra}, raw["data"])


@pytest.fixture
def logged(db_url):
    raw = event("deployment.started", "10:00:00", **STARTED)
    log([raw])
    return raw


@pytest.mark.parametrize("mode", [to_binary, to_structured])
@pytest.mark.parametrize("name", ["deployments", "services"])
def test_applies_and_answers_204_with_an_empty_body(logged, sql, mode, name):
    seq = sql.execute("SELECT seq FROM platform_events").fetchone()[0]
    headers, body = mode(cloudevent(logged, ptsseq=str(seq)))
    client = function_client(name)
    for _ in range(2):  # the second is a duplicate delivery: acknowledged, nothing done
        resp = client.post("/", headers=headers, data=body)
        assert resp.status_code == 204 and resp.get_data() == b""
    assert len(rows(sql, f"{name}_handled_events")) == 1
    if name == "deployments":
        assert one(sql, "deployments", deployment_id="d1")["status"] == "started"
    else:
        assert one(sql, "services", service="api")["registered_implicitly"]


def _problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    return json.loads(resp.get_data())


def test_an_event_not_in_the_log_is_422(db_url, sql):
    headers, body = to_binary(cloudevent(event("deployment.started", "10:00:00", **STARTED)))
    problem = _problem(function_client("deployments").post("/", headers=headers, data=body),
                       422)
    assert problem["errors"][0]["field"] == "id"
    assert rows(sql, "deployments_handled_events") == []


def test_a_type_the_handler_does_not_take_is_422(db_url, sql):
    raw = event("service.registered", "10:00:00", service="api")
    log([raw])
    headers, body = to_binary(cloudevent(raw))
    problem = _problem(function_client("images").post("/", headers=headers, data=body), 422)
    assert "does not take" in problem["detail"]
    assert rows(sql, "images_handled_events") == []


def test_a_type_other_than_the_logs_is_422(logged):
    headers, body = to_binary(cloudevent({**logged, "type": "dev.pts.deployment.failed"}))
    problem = _problem(function_client("deployments").post("/", headers=headers, data=body),
                       422)
    assert problem["errors"][0]["field"] == "type"


def test_plain_json_and_missing_attributes_are_refused(db_url):
    client = function_client("deployments")
    _problem(client.post("/", json={"type": "deployment.started", **STARTED}), 415)
    _problem(client.post("/", data=json.dumps({"specversion": "1.0", "type": "x"}),
                         content_type="application/cloudevents+json"), 400)
    _problem(client.get("/"), 405)


def test_database_down_is_503_so_the_broker_retries(logged, monkeypatch):
    headers, body = to_binary(cloudevent(logged))
    db_pool.close_all()
    monkeypatch.setenv("DATABASE_URL", "postgresql://pts@127.0.0.1:1/none")
    monkeypatch.setenv("PTS_POOL_TIMEOUT", "0.5")
    resp = function_client("deployments").post("/", headers=headers, data=body)
    _problem(resp, 503)
    assert resp.headers["Retry-After"]
    db_pool.close_all()


def test_stored_data_the_catalog_refuses_is_422(db_url, sql):
    # Only ingest writes the log and it validates; a row from an older catalog may not fit.
    sql.execute(
        "INSERT INTO platform_events (id, source, type, specversion, data, occurred_at, "
        "content_hash) VALUES ('old-1', '/old', 'dev.pts.deployment.started', '1.0', "
        "'{\"deployment_id\": \"d9\", \"service\": \"api\", \"environment\": \"prod\"}', "
        "now(), 'x')")
    raw = {"specversion": "1.0", "id": "old-1", "source": "/old",
           "type": "dev.pts.deployment.started", "data": {}}
    headers, body = to_binary(cloudevent(raw))
    problem = _problem(function_client("deployments").post("/", headers=headers, data=body),
                       422)
    assert problem["errors"][0]["field"] == "data.version"
    assert rows(sql, "deployments") == []

