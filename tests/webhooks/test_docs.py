"""docs/integrations.md's configuration works: the Argo CD templates, rendered the way the
notifications controller renders them, make payloads PTS maps; the Flux and registry
snippets are valid YAML naming PTS's URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from . import helpers as h

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
SHA = "b7e2a9c1d3f4e5a6b7c8d9e0f1a2b3c4d5e6f7a8"
APP = {"metadata": {"name": "checkout", "namespace": "argocd",
                    "labels": {"pts.dev/environment": "prod"}},
       "spec": {"project": "shop", "destination": {"server": "https://kubernetes.default.svc",
                                                    "namespace": "shop-prod"}},
       "status": {"sync": {"revision": SHA, "status": "Synced"},
                  "health": {"status": "Degraded", "message": "crash loop"},
                  "operationState": {"phase": "Succeeded", "startedAt": "2026-11-05T16:40:00Z",
                                     "finishedAt": "2026-11-05T16:41:12Z",
                                     "syncResult": {"revision": SHA}},
                  "summary": {"images": ["registry.acme.example/shop/checkout:3.2.0"]}}}
EXPECTED = {"on-sync-running": "dev.pts.deployment.started",
            "on-deployed": "dev.pts.deployment.succeeded",
            "on-sync-failed": "dev.pts.deployment.failed",
            "on-health-degraded": "dev.pts.service.health_changed"}


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)


def _lookup(path: str):
    value = {"app": APP, "context": {"argocdUrl": "https://argocd.acme.example"}}
    for key in path.strip(".").split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def render(template: str) -> str:
    """The subset of Go templates the documented bodies use: {{toJson .x}} and {{.x}}."""
    out = re.sub(r"\{\{toJson (\.[\w.]+)\}\}", lambda m: json.dumps(_lookup(m.group(1))),
                 template)
    out = re.sub(r"\{\{(\.[\w.]+)\}\}", lambda m: str(_lookup(m.group(1))), out)
    assert "{{" not in out, out
    return out


def test_argocd_config_map_templates_map_onto_the_catalog(hook):
    post, secret = hook("argocd")
    [block] = [b for b in _yaml_blocks() if "argocd-notifications-cm" in b]
    data = yaml.safe_load(block)["data"]
    assert "/function/webhooks/argocd" in data["service.webhook.pts"]
    triggers = {k.removeprefix("trigger."): yaml.safe_load(v) for k, v in data.items()
                if k.startswith("trigger.")}
    assert set(triggers) == set(EXPECTED)
    subscribed = yaml.safe_load(data["subscriptions"])[0]["triggers"]
    assert set(subscribed) == set(EXPECTED)
    seen = set()
    for trigger in triggers.values():
        [template] = trigger[0]["send"]
        body = yaml.safe_load(data[f"template.{template}"])["webhook"]["pts"]["body"]
        payload = json.loads(render(body))
        answer = post(json.dumps(payload).encode(), h.bearer(secret)).get_json()
        assert [m["type"] for m in answer["mapped"]] == [EXPECTED[payload["event"]]]
        seen.add(payload["event"])
    assert seen == set(EXPECTED)


def test_flux_and_registry_snippets():
    blocks = _yaml_blocks()
    [flux] = [list(yaml.safe_load_all(b)) for b in blocks if "kind: Provider" in b]
    provider = next(d for d in flux if d["kind"] == "Provider")
    assert provider["spec"]["type"] == "generic-hmac"
    assert provider["spec"]["address"].endswith("/function/webhooks/flux")
    alert = next(d for d in flux if d["kind"] == "Alert")
    assert {s["kind"] for s in alert["spec"]["eventSources"]} == {"Kustomization", "HelmRelease"}
    [registry] = [yaml.safe_load(b) for b in blocks if "notifications:" in b]
    endpoint = registry["notifications"]["endpoints"][0]
    assert endpoint["url"].endswith("/function/webhooks/registry")
    assert endpoint["headers"]["Authorization"][0].startswith("Bearer ")
