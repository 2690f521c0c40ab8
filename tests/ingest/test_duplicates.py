"""Identity is (source, id): a repeat is acknowledged, a different event under it is 409."""

from __future__ import annotations

import json
import threading

from tests.ingest.helpers import count, deployment, stored_events
from tests.support.env import function_client


def ce(id_="e-1", source="/ci", **data) -> dict:
    return {"specversion": "1.0", "type": "dev.pts.deployment.started", "source": source,
            "id": id_, "data": deployment(**data)}


def post(client, *events):
    return client.post("/", data=json.dumps(list(events)),
                       content_type="application/cloudevents-batch+json")


def test_repeat_is_a_duplicate_and_not_stored_again(ingest_client, sql):
    first = post(ingest_client, ce())
    again = post(ingest_client, ce())
    assert first.get_json()["events"][0]["duplicate"] is False
    assert again.status_code == 202
    assert again.get_json()["events"] == [{"source": "/ci", "id": "e-1", "seq": 1,
                                           "duplicate": True}]
    assert count(sql) == 1


def test_same_id_from_another_source_is_another_event(ingest_client, sql):
    post(ingest_client, ce(source="/a"), ce(source="/b"))
    assert count(sql) == 2


def test_same_identity_other_content_is_409_and_stores_nothing(ingest_client, sql):
    post(ingest_client, ce("e-1"))
    resp = post(ingest_client, ce("e-2"), ce("e-1", version="9.9.9"))
    assert resp.status_code == 409 and resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"][0]["index"] == 1
    assert [r["id"] for r in stored_events(sql)] == ["e-1"]


def test_conflict_inside_one_request_is_409(ingest_client, sql):
    resp = post(ingest_client, ce("e-1"), ce("e-1", version="2"))
    assert resp.status_code == 409
    assert count(sql) == 0


def test_repeat_inside_one_request_is_stored_once(ingest_client, sql):
    resp = post(ingest_client, ce("e-1"), ce("e-1"))
    assert [e["duplicate"] for e in resp.get_json()["events"]] == [False, True]
    assert count(sql) == 1


def test_new_and_duplicate_events_mixed(ingest_client, sql):
    post(ingest_client, ce("e-1"))
    resp = post(ingest_client, ce("e-0"), ce("e-1"), ce("e-2"))
    assert [(e["id"], e["duplicate"]) for e in resp.get_json()["events"]] == [
        ("e-0", False), ("e-1", True), ("e-2", False)]
    assert count(sql) == 3


def test_time_spelled_differently_is_the_same_event(ingest_client, sql):
    a = {**ce(), "time": "2026-01-01T10:00:00Z"}
    b = {**ce(), "time": "2026-01-01T11:00:00+01:00"}
    assert post(ingest_client, a).status_code == 202
    assert post(ingest_client, b).get_json()["events"][0]["duplicate"] is True


def test_concurrent_posts_of_the_same_events_store_each_once(db_url, sql):
    events = [ce(f"e-{i}") for i in range(50)]
    results = []

    def worker():
        client = function_client("ingest")
        results.append(post(client, *events).status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [202] * 4
    assert count(sql) == 50
