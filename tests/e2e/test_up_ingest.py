"""`pts up` on a fresh data directory serves ingest; events sent with the cloudevents SDK in
binary, structured and batched modes are stored, and survive a restart."""

from __future__ import annotations

import json

import psycopg
import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from pts.db.embedded import ensure_embedded
from pts.db.urls import to_conninfo
from tests.support.up import up as pts_up


def event(i: int) -> CloudEvent:
    return CloudEvent({"type": "dev.pts.deployment.started", "source": "/ci/e2e",
                       "id": f"e-{i}", "time": "2026-11-27T10:00:00Z"},
                      {"deployment_id": f"d-{i}", "service": "api", "environment": "prod",
                       "version": f"1.{i}"})


def stored_ids(data_dir) -> list[str]:
    url = ensure_embedded(data_dir, migrate=False)
    with psycopg.connect(to_conninfo(url)) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM platform_events ORDER BY seq")]


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def test_pts_up_serves_ingest_and_keeps_data_across_restarts(data_dir):
    up = pts_up(data_dir)
    try:
        path = "/function/ingest"  # no trailing slash: no redirect either
        headers, body = to_binary(event(1))
        assert up.request("POST", path, body, headers)[0] == 202
        headers, body = to_structured(event(2))
        assert up.request("POST", path, body, headers)[0] == 202
        batch = json.dumps([json.loads(to_structured(event(i))[1]) for i in (3, 4)]).encode()
        status, _, answer = up.request(
            "POST", path, batch, {"Content-Type": "application/cloudevents-batch+json"})
        assert status == 202 and json.loads(answer)["accepted"] == 2
        status, headers, _ = up.request("POST", path, b"{", {"Content-Type": "application/json"})
        assert status == 400 and headers["Content-Type"] == "application/problem+json"
    finally:
        assert up.stop() == 0
    up = pts_up(data_dir)
    try:
        assert stored_ids(data_dir) == ["e-1", "e-2", "e-3", "e-4"]
        headers, body = to_binary(event(1))
        status, _, answer = up.request("POST", "/function/ingest", body, headers)
        assert status == 202 and json.loads(answer)["events"][0]["duplicate"] is True
    finally:
        up.stop()
