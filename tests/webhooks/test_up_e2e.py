"""The whole path under `pts up`, as a user follows docs/integrations.md: create an
integration while PTS runs, point a producer at it, post a CDEvent; the deployments and
images appear in /deployments, /environments and /images."""

from __future__ import annotations

import json

import pytest

from tests.support.up import Served, environment, migrated_copy, pts
from tests.support.up import up as pts_up
from tests.support.wait import wait_for

from . import helpers as h

OCI = ("pkg:oci/api@sha256%3A0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427"
       "?repository_url=registry.local/team/api&tag=1.4.2")


def _items(up: Served, path: str, count: int) -> list[dict]:
    def found() -> list[dict] | None:
        status, _, body = up.request("GET", path)
        items = json.loads(body)["items"] if status == 200 else []
        return items if len(items) >= count else None

    return wait_for(found, timeout=30, interval=0.3)


@pytest.mark.slow
def test_producers_reach_the_tables_under_pts_up(tmp_path):
    data_dir = migrated_copy(tmp_path / "data")
    up = pts_up(data_dir)
    try:
        made = pts("webhook", "create", "gh", "--kind", "github", "--json",
                   "--data-dir", str(data_dir), env=environment())
        assert made.returncode == 0, made.stderr
        hook = json.loads(made.stdout)
        body = h.body_of(h.fixture("github_deployment_status"))
        headers = h.github(hook["secret"], body, "deployment_status", "e2e-1")
        status, _, answer = up.request("POST", hook["url"], body, headers)
        assert status == 202, answer
        bad = up.request("POST", hook["url"], body, {**headers, "X-Hub-Signature-256": "x"})
        assert bad[0] == 401
        cdevent = {"context": {"specversion": "0.5.1", "id": "e2e-cd", "source": "/tekton/prod",
                               "type": "dev.cdevents.service.deployed.0.3.0",
                               "timestamp": "2026-11-02T10:00:00Z"},
                   "subject": {"id": "api", "content": {"environment": {"id": "prod"},
                                                        "artifactId": OCI}}}
        status, _, answer = up.request("POST", "/function/ingest", json.dumps(cdevent).encode(),
                                       {"Content-Type": "application/json"})
        assert status == 202, answer
        deployments = _items(up, "/function/search/deployments", 2)
        assert {(d["service"], d["environment"], d["status"]) for d in deployments} == {
            ("shop-api", "production", "succeeded"), ("api", "prod", "succeeded")}
        environments = _items(up, "/function/search/environments", 2)
        assert {e["environment"] for e in environments} == {"production", "prod"}
        images = _items(up, "/function/search/images", 1)
        assert [i["repository"] for i in images] == ["registry.local/team/api"]
    finally:
        up.close()
