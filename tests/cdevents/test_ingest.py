"""CDEvents on ingest: every conformance example accepted as a CloudEvent (binary,
structured, batched) and as a bare body, stored as sent; the mapped ones change the tables
once the handlers run; a variant without a required field is a 422; unknown types say how
to allow them."""

from __future__ import annotations

import copy
import json

import pytest

from .helpers import binary, deliver_log, examples, log_rows, structured, unique

OCI = ("pkg:oci/api@sha256%3A" + "a" * 64
       + "?repository_url=registry.local/team/api&tag=1.4.2")


def _post(client, event: dict, mode: str):
    if mode == "binary":
        headers, body = binary(event)
        return client.post("/", headers=headers, data=body)
    if mode == "structured":
        return client.post("/", data=json.dumps(structured(event)),
                           content_type="application/cloudevents+json")
    if mode == "batch":
        return client.post("/", data=json.dumps([structured(event)]),
                           content_type="application/cloudevents-batch+json")
    return client.post("/", data=json.dumps(event), content_type="application/json")


def _accepted(resp) -> dict:
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.mark.parametrize("mode", ["binary", "structured", "batch", "bare"])
def test_all_examples_are_accepted_and_stored_as_sent(ingest_client, sql, mode):
    posted = {stem: unique(event, stem) for stem, event in examples().items()}
    assert len(posted) == 45
    for stem, event in posted.items():
        answer = _accepted(_post(ingest_client, event, mode))
        assert answer["accepted"] == 1 and not answer["events"][0]["duplicate"], stem
        row = log_rows(sql, source=event["context"]["source"], id=event["context"]["id"])[0]
        assert row["type"] == event["context"]["type"]
        assert row["data"] == event, stem  # the CDEvent exactly as sent
        assert row["subject"] == event["subject"]["id"]
    # Posting them all again: duplicates, nothing new.
    before = len(log_rows(sql))
    for event in posted.values():
        assert _accepted(_post(ingest_client, event, mode))["events"][0]["duplicate"]
    assert len(log_rows(sql)) == before


def test_the_custom_example_is_stored_too(ingest_client, sql, conformance_dir_cd):
    event = json.loads((conformance_dir_cd / "custom" / "conformance.json").read_text())
    _accepted(_post(ingest_client, event, "bare"))
    assert log_rows(sql, type=event["context"]["type"])[0]["data"] == event


@pytest.fixture
def conformance_dir_cd():
    from tests.conftest import conformance_dir

    return conformance_dir("cdevents")


def test_mapped_examples_change_the_tables(ingest_client, sql):
    ev = {stem: unique(e, stem) for stem, e in examples().items()}
    ev["service_deployed"]["subject"]["content"]["artifactId"] = OCI
    ev["service_deployed"]["context"]["timestamp"] = "2023-03-20T14:27:05Z"
    ev["service_rolledback"]["context"]["timestamp"] = "2023-03-20T15:00:00Z"
    published = copy.deepcopy(ev["artifact_published"])
    published["subject"]["id"] = OCI
    published["context"]["id"] += "-oci"
    answers = {}
    for stem, event in [*ev.items(), ("artifact_published_oci", published)]:
        answers[stem] = _accepted(_post(ingest_client, event, "binary"))["events"][0]
    deliver_log(sql)

    def mapped(stem):
        return [m["type"] for m in answers[stem].get("mapped", [])]

    assert mapped("service_deployed") == ["dev.pts.deployment.succeeded"]
    assert mapped("service_upgraded") == ["dev.pts.deployment.succeeded"]
    assert mapped("service_rolledback") == ["dev.pts.deployment.rolled_back"]
    assert mapped("service_removed") == ["dev.pts.service.stopped"]
    assert mapped("service_published") == ["dev.pts.service.registered"]
    assert mapped("artifact_published_oci") == ["dev.pts.image.published"]
    assert mapped("artifact_published") == []  # a Go module, no image
    assert mapped("incident_detected") == ["dev.pts.incident.opened"]
    assert mapped("incident_reported") == ["dev.pts.incident.opened"]
    assert mapped("incident_resolved") == ["dev.pts.incident.resolved"]
    assert mapped("change_merged") == ["dev.pts.change.merged"]
    for kept in ("environment_created", "environment_modified", "environment_deleted",
                 "pipelinerun_started", "pipelinerun_finished", "taskrun_started",
                 "ticket_created"):
        assert mapped(kept) == [], kept

    deployed = ev["service_deployed"]["context"]["id"]
    dep = sql.execute("SELECT service, environment, status, version, image_digest, "
                      "image_repository FROM deployments WHERE deployment_id = %s",
                      (deployed,)).fetchone()
    assert dep == ("mySubject123", "test123", "succeeded", "1.4.2", "sha256:" + "a" * 64,
                   "registry.local/team/api")
    rolled = ev["service_rolledback"]["context"]["id"]
    assert sql.execute("SELECT status FROM deployments WHERE deployment_id = %s",
                       (rolled,)).fetchone() == ("rolled_back",)
    assert sql.execute("SELECT count(*) FROM images WHERE repository = %s AND digest = %s",
                       ("registry.local/team/api", "sha256:" + "a" * 64)).fetchone()[0] == 1
    assert sql.execute("SELECT count(*) FROM services WHERE service = 'mySubject123'"
                       ).fetchone()[0] == 1
    # The mapped events point back at the CDEvent they came from.
    row = log_rows(sql, type="dev.pts.deployment.succeeded")[0]
    assert row["id"] == f"{deployed}#deployment.succeeded"
    assert row["extensions"] == {"ptsoriginid": deployed,
                                 "ptsorigintype": "dev.cdevents.service.deployed.0.3.0"}
    assert row["time"].isoformat().startswith("2023-03-20T14:27:05")
    change = log_rows(sql, type="dev.pts.change.merged")[0]["data"]
    assert change == {"service": "TestOrg", "commit": "mySubject123",
                      "time": ev["change_merged"]["context"]["timestamp"]}
    incident = log_rows(sql, type="dev.pts.incident.opened")[0]["data"]
    assert incident == {"incident_id": "incident-123", "service": "myApp",
                        "environment": "prod1"}


def test_unmapped_cdevents_are_searchable(ingest_client, sql):
    event = unique(examples()["pipelinerun_finished"], "p")
    _accepted(_post(ingest_client, event, "bare"))
    from tests.conftest import function_client

    search = function_client("search")
    resp = search.get("/events?type=dev.cdevents.pipelinerun.*")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    items = resp.get_json()["items"]
    assert [i["id"] for i in items] == [event["context"]["id"]]
    assert search.get("/events?q=myPipeline").get_json()["items"]


def test_v04_events_map_too(ingest_client, sql):
    event = {"context": {"version": "0.4.1", "id": "v04-1", "source": "/tekton/prod",
                         "type": "dev.cdevents.service.deployed.0.2.0",
                         "timestamp": "2024-05-01T10:00:00Z"},
             "subject": {"id": "api", "type": "service",
                         "content": {"environment": {"id": "prod"}, "artifactId": OCI}}}
    answer = _accepted(_post(ingest_client, event, "bare"))["events"][0]
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.deployment.succeeded"]
    deliver_log(sql)
    assert sql.execute("SELECT status FROM deployments WHERE deployment_id = 'v04-1'"
                       ).fetchone() == ("succeeded",)


@pytest.mark.parametrize("mode", ["binary", "bare"])
@pytest.mark.parametrize("path", [("subject", "content", "artifactId"),
                                  ("subject", "content", "environment"),
                                  ("context", "timestamp"), ("subject", "id"),
                                  ("context", "specversion")])
def test_a_required_field_removed_is_422_and_nothing_is_stored(ingest_client, sql, mode, path):
    event = unique(examples()["service_deployed"], "broken")
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    resp = _post(ingest_client, event, mode)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    problem = resp.get_json()
    assert resp.mimetype == "application/problem+json"
    assert problem["errors"][0]["field"].startswith("data." + ".".join(path[:2]))
    assert log_rows(sql) == []


def test_a_cloudevent_type_other_than_the_context_type_is_422(ingest_client, sql):
    event = unique(examples()["service_deployed"], "x")
    headers, body = binary(event)
    headers["ce-type"] = "dev.cdevents.service.upgraded.0.3.0"
    resp = ingest_client.post("/", headers=headers, data=body)
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "data.context.type"
    assert log_rows(sql) == []


def test_unknown_types_say_how_to_allow_them(ingest_client, sql):
    resp = ingest_client.post("/", json={"type": "com.example.build.done", "x": 1})
    assert resp.status_code == 422
    message = resp.get_json()["errors"][0]["message"]
    assert "PTS_FOREIGN_TYPES" in message and "com.example.build." in message
    resp = ingest_client.post("/", json={"type": "dev.pts.deployment.exploded", "x": 1})
    assert "dev.pts.platform.<name>" in resp.get_json()["errors"][0]["message"]
    assert log_rows(sql) == []


def test_foreign_types_do_not_turn_mapping_off(ingest_client, sql, monkeypatch):
    """The issue's user allowed dev.cdevents. as foreign: CDEvents still map."""
    monkeypatch.setenv("PTS_FOREIGN_TYPES", "dev.cdevents.")
    event = unique(examples()["service_deployed"], "foreign")
    answer = _accepted(_post(ingest_client, event, "binary"))["events"][0]
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.deployment.succeeded"]
