"""Every way a producer can post: CloudEvents binary, structured and batched modes (sent
with the cloudevents SDK where it can), and plain JSON."""

from __future__ import annotations

import json

from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from tests.ingest.helpers import count, deployment, stored_events

TYPE = "dev.pts.deployment.started"


def sdk_event(id_: str = "e-1", **data) -> CloudEvent:
    return CloudEvent({"type": TYPE, "source": "/ci/pipeline", "id": id_,
                       "time": "2026-11-27T10:00:00Z", "pipelinerun": "r-7"},
                      deployment(**data))


def test_binary_mode_from_the_sdk(ingest_client, sql):
    headers, body = to_binary(sdk_event())
    resp = ingest_client.post("/", data=body, headers=headers)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["events"] == [
        {"source": "/ci/pipeline", "id": "e-1", "seq": 1, "duplicate": False}]
    [row] = stored_events(sql)
    assert row["type"] == TYPE
    assert row["data"] == deployment()
    assert row["extensions"] == {"pipelinerun": "r-7"}
    assert (row["service"], row["environment"], row["subject"]) == ("api", "prod", "d-1")


def test_structured_mode_from_the_sdk(ingest_client, sql):
    headers, body = to_structured(sdk_event())
    resp = ingest_client.post("/", data=body, headers=headers)
    assert resp.status_code == 202, resp.get_json()
    [row] = stored_events(sql)
    assert row["data"] == deployment() and row["extensions"] == {"pipelinerun": "r-7"}


def test_batched_mode(ingest_client, sql):
    events = [json.loads(to_structured(sdk_event(f"e-{i}", deployment_id=f"d-{i}"))[1])
              for i in range(3)]
    resp = ingest_client.post("/", data=json.dumps(events),
                              content_type="application/cloudevents-batch+json")
    assert resp.status_code == 202, resp.get_json()
    assert [e["seq"] for e in resp.get_json()["events"]] == [1, 2, 3]
    assert [r["id"] for r in stored_events(sql)] == ["e-0", "e-1", "e-2"]


def test_binary_mode_percent_decodes_headers(ingest_client, sql):
    headers = {"ce-specversion": "1.0", "ce-type": TYPE, "ce-source": "/ci",
               "ce-id": "x%20y", "ce-note": "caf%C3%A9", "Content-Type": "application/json"}
    resp = ingest_client.post("/", data=json.dumps(deployment()), headers=headers)
    assert resp.status_code == 202, resp.get_json()
    [row] = stored_events(sql)
    assert row["id"] == "x y" and row["extensions"] == {"note": "café"}


def test_binary_mode_keeps_non_json_data(ingest_client, sql, monkeypatch):
    monkeypatch.setenv("PTS_FOREIGN_TYPES", "com.example.")
    base = {"ce-specversion": "1.0", "ce-type": "com.example.blob", "ce-source": "/x"}
    ingest_client.post("/", data=b"\x00\xff", headers={**base, "ce-id": "b",
                       "Content-Type": "application/octet-stream"})
    ingest_client.post("/", data="<a>é</a>".encode(), headers={**base, "ce-id": "t",
                       "Content-Type": "application/xml; charset=utf-8"})
    rows = {r["id"]: r for r in stored_events(sql)}
    assert rows["b"]["data_base64"] == "AP8=" and rows["b"]["data"] is None
    assert rows["t"]["data"] == "<a>é</a>"


def test_plain_json_object_with_short_type(ingest_client, sql):
    resp = ingest_client.post("/", json={"type": "deployment.started", **deployment()})
    assert resp.status_code == 202, resp.get_json()
    [row] = stored_events(sql)
    assert row["type"] == TYPE and row["source"] == "/pts/plain"
    assert row["data"] == deployment() and row["subject"] == "d-1"


def test_plain_json_array_with_idempotency_key(ingest_client, sql):
    body = [{"type": "deployment.started", **deployment("d-1")},
            {"type": "dev.pts.deployment.failed", "deployment_id": "d-1", "service": "api",
             "environment": "prod", "reason": "boom", "source": "/ci/x"}]
    first = ingest_client.post("/", json=body, headers={"Idempotency-Key": "run-42"})
    again = ingest_client.post("/", json=body, headers={"Idempotency-Key": "run-42"})
    assert first.status_code == again.status_code == 202
    assert [e["id"] for e in first.get_json()["events"]] == ["run-42:0", "run-42:1"]
    assert all(e["duplicate"] for e in again.get_json()["events"])
    assert [r["source"] for r in stored_events(sql)] == ["/pts/plain", "/ci/x"]


def test_plain_json_single_idempotency_key_is_the_id(ingest_client, sql):
    ingest_client.post("/", json={"type": "deployment.started", **deployment()},
                       headers={"Idempotency-Key": "k-1"})
    assert stored_events(sql)[0]["id"] == "k-1"


def test_plain_json_without_id_gets_a_fresh_one(ingest_client, sql):
    for _ in range(2):
        ingest_client.post("/", json={"type": "deployment.started", **deployment()})
    assert count(sql) == 2


def test_platform_events_take_any_object(ingest_client, sql):
    resp = ingest_client.post("/", json={"type": "platform.dns.changed", "zone": "a.b",
                                         "service": "edge", "records": [1, {"x": None}]})
    assert resp.status_code == 202
    [row] = stored_events(sql)
    assert row["type"] == "dev.pts.platform.dns.changed" and row["service"] == "edge"


def test_every_catalog_type_is_accepted(ingest_client, sql):
    from pts.domain.catalog import CATALOG
    from tests.ingest.samples import SAMPLES

    assert set(SAMPLES) == set(CATALOG)
    body = [{"type": t, **data} for t, data in SAMPLES.items()]
    resp = ingest_client.post("/", json=body)
    assert resp.status_code == 202, resp.get_json()
    assert count(sql) == len(CATALOG)


def test_a_batch_takes_its_seqs_in_request_order_whatever_the_key_order(ingest_client, sql):
    # The append inserts in (source, id) order, which here is the reverse of the request's,
    # with a repeat already stored in the middle: the new events' seqs still ascend with
    # their place in the request, and each answer names its own event's seq.
    first = ingest_client.post("/", json={"type": "platform.note", "id": "n-25",
                                          "text": "n-25"})
    assert first.status_code == 202
    ids = [f"n-{i:02d}" for i in range(40, 9, -1)]
    resp = ingest_client.post("/", json=[{"type": "platform.note", "id": i, "text": i}
                                         for i in ids])
    assert resp.status_code == 202, resp.get_json()
    answer = resp.get_json()["events"]
    assert [e["id"] for e in answer] == ids
    new = [e["seq"] for e in answer if not e["duplicate"]]
    assert new == sorted(new) and len(new) == len(ids) - 1
    assert [e["duplicate"] for e in answer].count(True) == 1
    stored = {r["id"]: r["seq"] for r in stored_events(sql)}
    assert all(stored[e["id"]] == e["seq"] for e in answer)
