"""Handlers take a CloudEvents batch, applied in one transaction, all or nothing."""

import json

from pts.cloudevents.modes import BATCH
from tests.support.env import function_client

from .helpers import event, log, one, rows


def _batch(events: list[dict]) -> bytes:
    return json.dumps(events).encode()


def test_a_batch_is_applied_in_one_request(db_url, sql):
    events = [event("service.health_changed", f"10:0{i}:00", service="api",
                    environment="prod", status=s)
              for i, s in enumerate(["healthy", "degraded", "healthy"])]
    log(events)
    resp = function_client("services").post("/", data=_batch(events),
                                             headers={"Content-Type": BATCH})
    assert resp.status_code == 204 and resp.get_data() == b""
    assert len(rows(sql, "services_handled_events")) == 3
    assert one(sql, "service_environments", service="api")["health"] == "healthy"
    assert len(rows(sql, "service_transitions")) == 3


def test_a_batch_with_one_refused_event_applies_nothing_and_names_it(db_url, sql):
    good = event("service.health_changed", "10:00:00", service="api", environment="prod",
                 status="healthy")
    log([good])
    missing = event("service.health_changed", "10:01:00", service="api", environment="prod",
                    status="degraded")  # never logged
    resp = function_client("services").post("/", data=_batch([good, missing]),
                                             headers={"Content-Type": BATCH})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [(1, "id")]
    assert rows(sql, "services_handled_events") == []


def test_an_empty_batch_or_one_without_ids_is_400(db_url):
    client = function_client("deployments")
    assert client.post("/", data=b"[]", headers={"Content-Type": BATCH}).status_code == 400
    resp = client.post("/", data=_batch([{"specversion": "1.0", "type": "x"}]),
                       headers={"Content-Type": BATCH})
    assert resp.status_code == 400
    assert {e["field"] for e in resp.get_json()["errors"]} == {"id", "source"}


def test_a_batch_writes_an_environment_s_state_and_seen_times_together(db_url, sql):
    """An environment named by state events of a batch is written once, by its fold, with
    the seen times of every event of the batch naming it (a deployment's too), and of what
    was stored before; one named by other events only has its seen times moved."""
    earlier = event("service.health_changed", "10:00:00", service="api", environment="prod",
                    status="healthy")
    log([earlier])
    assert function_client("services").post("/", data=_batch([earlier]),
                                             headers={"Content-Type": BATCH}).status_code == 204
    events = [
        event("deployment.started", "12:00:00", deployment_id="d1", version="2",
              service="api", environment="prod"),  # the latest time naming api/prod
        event("service.health_changed", "11:00:00", service="api", environment="prod",
              status="degraded"),
        event("deployment.started", "09:00:00", deployment_id="d0", version="1",
              service="api", environment="qa"),  # no state event: seen times only
        event("service.started", "10:30:00", service="web", environment="prod"),  # new
        event("deployment.succeeded", "10:15:00", deployment_id="d2", service="web",
              environment="prod"),  # the earliest time naming web/prod
    ]
    log(events)
    resp = function_client("services").post("/", data=_batch(events),
                                             headers={"Content-Type": BATCH})
    assert resp.status_code == 204
    api = one(sql, "service_environments", service="api", environment="prod")
    assert (api["health"], api["first_seen_at"].hour, api["last_seen_at"].hour) == \
        ("degraded", 10, 12)
    qa = one(sql, "service_environments", service="api", environment="qa")
    assert (qa["health"], qa["state"], qa["first_seen_at"].hour) == ("unknown", None, 9)
    web = one(sql, "service_environments", service="web", environment="prod")
    assert web["state"] == "running"
    assert (web["first_seen_at"].minute, web["last_seen_at"].minute) == (15, 30)
    assert one(sql, "services", service="api")["first_seen_at"].hour == 9
