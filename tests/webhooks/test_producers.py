"""Each producer's deliveries through the webhooks function over HTTP: the payload kept as
sent, the catalog events it maps onto stored beside it and projected by the handlers."""

from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

import pytest

from tests.cdevents.helpers import deliver_log, log_rows

from . import helpers as h

DIGEST_GH = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"


def _ok(resp) -> dict:
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return resp.get_json()


def _one(sql, query: str, *params):
    return sql.execute(query, params).fetchone()


def test_github_deployment_status_becomes_a_deployment(hook, sql):
    post, secret = hook("github", "gh")
    payload = h.fixture("github_deployment_status")
    running = copy.deepcopy(payload)
    running["deployment_status"].update(state="in_progress", updated_at="2026-11-02T09:11:30Z")
    for i, p in enumerate([running, payload]):
        body = h.body_of(p)
        answer = _ok(post(body, h.github(secret, body, "deployment_status", f"d-{i}")))
        assert answer["source"] == "/webhooks/gh/acme/shop-api" and answer["id"] == f"d-{i}"
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.deployment.succeeded"]
    original = log_rows(sql, id="d-1")[0]
    assert original["type"] == "com.github.deployment_status" and original["data"] == payload
    deliver_log(sql)
    row = _one(sql, "SELECT service, environment, status, version, commit, image_tag, "
               "started_at IS NOT NULL FROM deployments")
    assert row == ("shop-api", "production", "succeeded", "2.7.0",
                   "8f3c2b1a9d4e5f60718293a4b5c6d7e8f9012345", "2.7.0", True)


def test_github_form_encoded_body(hook, sql):
    post, secret = hook("github")
    payload = h.fixture("github_deployment_status")
    body = urlencode({"payload": json.dumps(payload)}).encode()
    answer = _ok(post(body, h.github(secret, body, "deployment_status", "f-1",
                                     "application/x-www-form-urlencoded")))
    assert answer["mapped"][0]["type"] == "dev.pts.deployment.succeeded"
    assert log_rows(sql, id="f-1")[0]["data"] == payload


def test_github_workflow_run_and_registry_package(hook, sql):
    post, secret = hook("github")
    run = h.fixture("github_workflow_run")
    body = h.body_of(run)
    answer = _ok(post(body, h.github(secret, body, "workflow_run", "w-1")))
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.deployment.succeeded"]
    other = copy.deepcopy(run)
    other["workflow_run"].update(name="CI", path=".github/workflows/ci.yml", id=1)
    body = h.body_of(other)
    answer = _ok(post(body, h.github(secret, body, "workflow_run", "w-2")))
    assert "mapped" not in answer and "PTS_GITHUB_DEPLOY_WORKFLOWS" in answer["note"]
    pkg = h.fixture("github_registry_package")
    body = h.body_of(pkg)
    answer = _ok(post(body, h.github(secret, body, "registry_package", "p-1")))
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.image.published"]
    deliver_log(sql)
    assert _one(sql, "SELECT environment, status, commit FROM deployments") == (
        "production", "succeeded", "4d1e0f7a2b3c4d5e6f708192a3b4c5d6e7f80912")
    assert _one(sql, "SELECT repository, digest FROM images") == ("ghcr.io/acme/shop-api",
                                                                  DIGEST_GH)
    assert _one(sql, "SELECT tag FROM image_tags") == ("2.7.0",)


def test_gitlab_deployment_and_pipeline_hooks_meet_in_one_deployment(hook, sql):
    post, secret = hook("gitlab")
    dep = h.fixture("gitlab_deployment")
    answer = _ok(post(h.body_of(dep), h.gitlab(secret, "Deployment Hook", "u-1")))
    assert answer["mapped"][0]["type"] == "dev.pts.deployment.succeeded"
    pipe = h.fixture("gitlab_pipeline")
    answer = _ok(post(h.body_of(pipe), h.gitlab(secret, "Pipeline Hook", "u-2")))
    assert answer["id"] == "u-2"  # the Idempotency-Key; both share one X-Gitlab-Event-UUID
    # The staging job deploys; the manual production job has not run.
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.deployment.succeeded"]
    deliver_log(sql)
    row = _one(sql, "SELECT deployment_id, service, environment, status, commit, "
               "finished_at FROM deployments")
    assert row[:5] == ("gitlab:platform/billing:job:5512", "billing", "staging", "succeeded",
                       "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d")  # full SHA from commit_url
    assert row[5].isoformat() == "2026-11-04T13:20:07+00:00"
    assert _one(sql, "SELECT count(*) FROM deployments")[0] == 1


def test_argocd_notifications(hook, sql):
    post, secret = hook("argocd")
    deployed = h.fixture("argocd_on_deployed")
    running = {**copy.deepcopy(deployed), "event": "on-sync-running"}
    degraded = {**copy.deepcopy(deployed), "event": "on-health-degraded",
                "health": {"status": "Degraded", "message": "1 pod crash-looping"}}
    for payload in (running, deployed, degraded):
        answer = _ok(post(h.body_of(payload), h.bearer(secret)))
        assert answer["id"].startswith("sha256:") and answer["mapped"]
    deliver_log(sql)
    assert _one(sql, "SELECT service, environment, status, version, image_tag FROM "
                "deployments") == ("checkout", "prod", "succeeded", "3.2.0", "3.2.0")
    assert _one(sql, "SELECT health FROM service_environments WHERE service = 'checkout'"
                ) == ("degraded",)
    failed = {**copy.deepcopy(deployed), "event": "on-sync-failed"}
    failed["operation"].update(phase="Failed", startedAt="2026-11-05T17:00:00Z",
                               finishedAt="2026-11-05T17:00:40Z", message="hook failed")
    assert _ok(post(h.body_of(failed), h.bearer(secret)))["mapped"][0]["type"] == \
        "dev.pts.deployment.failed"


@pytest.mark.parametrize("revision", ["main@sha1:e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3",
                                      "main/e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"])
def test_flux_generic_hmac_both_revision_formats(hook, sql, revision):
    post, secret = hook("flux")
    payload = h.fixture("flux_kustomization")
    payload["metadata"]["kustomize.toolkit.fluxcd.io/revision"] = revision
    body = h.body_of(payload)
    answer = _ok(post(body, h.flux(secret, body)))
    assert answer["mapped"][0]["type"] == "dev.pts.deployment.succeeded"
    deliver_log(sql)
    assert _one(sql, "SELECT service, environment, status, commit FROM deployments") == (
        "payments", "prod", "succeeded", "e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3")


def test_flux_generic_with_a_bearer_header(hook, sql):
    post, secret = hook("flux")
    payload = h.fixture("flux_kustomization")
    payload.update(severity="error", reason="HealthCheckFailed", message="timeout")
    answer = _ok(post(h.body_of(payload), h.bearer(secret)))
    assert answer["mapped"][0]["type"] == "dev.pts.deployment.failed"


def test_harbor_one_event_per_resource(hook, sql):
    post, secret = hook("harbor")
    payload = h.fixture("harbor_push_artifact")
    answer = _ok(post(h.body_of(payload), h.bearer(secret)))
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.image.published"] * 2
    deleted = {**copy.deepcopy(payload), "type": "DELETE_ARTIFACT"}
    answer = _ok(post(h.body_of(deleted), h.bearer(secret)))
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.platform.image.deleted"] * 2
    deliver_log(sql)
    rows = sql.execute("SELECT repository, tag FROM image_tags ORDER BY tag").fetchall()
    assert rows == [("harbor.acme.example/team-a/inventory", "1.9.0"),
                    ("harbor.acme.example/team-a/inventory", "latest")]


def test_registry_manifest_pushes_only(hook, sql):
    post, secret = hook("registry")
    body = h.body_of(h.fixture("registry_events"))
    answer = _ok(post(body, h.bearer(
        secret, "application/vnd.docker.distribution.events.v2+json")))
    assert [m["type"] for m in answer["mapped"]] == ["dev.pts.image.published"]
    deliver_log(sql)
    assert _one(sql, "SELECT repository, digest FROM images") == (
        "registry.lab.example/tools/reporter",
        "sha256:7c2f9e1d0b3a4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d")
