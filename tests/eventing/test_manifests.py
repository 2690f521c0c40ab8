"""Knative manifests and stack.yml: valid against the platforms' schemas, generated from the
function table, and checked in as generated."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

from pts import routing
from pts.deploy import knative, openfaas
from pts.deploy.stack import STACK, functions
from pts.domain.functions import FUNCTIONS
from tests.support.env import conformance_dir

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "deploy" / "knative"
CRDS = {
    "Service": ("serving", "service.yaml"),
    "Broker": ("eventing", "broker.yaml"),
    "Trigger": ("eventing", "trigger.yaml"),
    "SinkBinding": ("eventing", "sinkbindings.yaml"),
    "PingSource": ("eventing", "pingsource.yaml"),
}


def _strip(schema):
    """openAPIV3Schema as JSON Schema draft 4: drop the x-kubernetes-* keys."""
    if isinstance(schema, dict):
        return {k: _strip(v) for k, v in schema.items() if not k.startswith("x-kubernetes")}
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    return schema


@pytest.fixture
def crd_schema():
    """kind, version -> the CRD's schema."""
    return lambda kind, version: _crd_schema(conformance_dir("knative-crds"), kind, version)


def _crd_schema(crds: Path, kind: str, version: str):
    folder, name = CRDS[kind]
    crd = yaml.safe_load((crds / folder / name).read_text())
    (v,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return _strip(v["schema"]["openAPIV3Schema"])


def all_objects():
    return [o for objs in knative.manifests().values() for o in objs]


def test_every_knative_object_validates_against_its_crd(crd_schema):
    kinds = set()
    for obj in all_objects():
        if obj["kind"] == "Job":
            continue
        version = obj["apiVersion"].split("/")[1]
        jsonschema.Draft4Validator(crd_schema(obj["kind"], version)).validate(obj)
        kinds.add(obj["kind"])
    assert kinds == set(CRDS)


def test_the_crd_validation_can_fail(crd_schema):
    bad = copy.deepcopy(knative.broker("pts"))
    bad["spec"]["delivery"]["retry"] = "five"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(crd_schema("Broker", "v1")).validate(bad)


def test_checked_in_manifests_are_what_the_generator_writes():
    files = knative.manifests()
    assert sorted(p.name for p in CHECKED_IN.glob("*.yaml")) == sorted(files)
    for name, objects in files.items():
        assert (CHECKED_IN / name).read_text() == knative.render(objects), \
            f"deploy/knative/{name} is stale: run `uv run pts manifests knative`"


def test_the_cli_check_agrees(tmp_path):
    from pts.cli import main

    assert main(["manifests", "knative", "--check", "--out", str(CHECKED_IN)]) == 0
    assert main(["manifests", "knative", "--out", str(tmp_path)]) == 0
    (tmp_path / "30-triggers.yaml").write_text("# edited\n")
    assert main(["manifests", "knative", "--check", "--out", str(tmp_path)]) == 1


def test_triggers_are_the_routing_declaration():
    triggers = [o for o in all_objects() if o["kind"] == "Trigger"]
    got = []
    for t in triggers:
        spec = t["spec"]
        assert spec["broker"] == knative.BROKER
        if "filters" in spec:
            (expr,) = spec["filters"]
            got.append((spec["subscriber"]["ref"]["name"], expr["prefix"]["type"]))
        else:
            got.append((spec["subscriber"]["ref"]["name"], spec["filter"]["attributes"]["type"]))
    assert got == [(r.handler, r.filter) for r in routing.triggers()]
    assert len({t["metadata"]["name"] for t in triggers}) == len(triggers)


def test_prefix_routes_become_prefix_filters(crd_schema):
    t = knative.trigger(routing.Trigger("services", "dev.pts.platform."), "pts")
    assert t["spec"]["filters"] == [{"prefix": {"type": "dev.pts.platform."}}]
    assert "filter" not in t["spec"]
    jsonschema.Draft4Validator(crd_schema("Trigger", "v1")).validate(t)


def test_services_carry_scale_visibility_and_the_database_secret():
    by_name = {o["metadata"]["name"]: o for o in all_objects() if o["kind"] == "Service"}
    stack = {f.name: f for f in functions()}
    assert set(by_name) == set(stack)
    for name, svc in by_name.items():
        ann = svc["spec"]["template"]["metadata"]["annotations"]
        assert ann["autoscaling.knative.dev/min-scale"] == stack[name].label("min")
        assert ann["autoscaling.knative.dev/max-scale"] == stack[name].label("max")
        if stack[name].label("target"):
            assert ann["autoscaling.knative.dev/target"] == stack[name].label("target")
        visibility = svc["metadata"]["labels"].get("networking.knative.dev/visibility")
        assert visibility == (None if name in ("ingest", "search", "admin", "webhooks")
                              else "cluster-local")
        env = {e["name"]: e for e in svc["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["FUNCTION_TARGET"]["value"] == name
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == knative.SECRET
    for handler in routing.handlers():
        assert "networking.knative.dev/visibility" in by_name[handler]["metadata"]["labels"]


def test_broker_sources_and_job():
    objs = {(o["kind"], o["metadata"]["name"]): o for o in all_objects()}
    delivery = objs[("Broker", "pts")]["spec"]["delivery"]
    assert delivery["deadLetterSink"]["ref"]["name"] == "deadletter"
    assert delivery["backoffPolicy"] == "exponential" and delivery["retry"] >= 1
    ingest = objs[("SinkBinding", "ingest-sink")]["spec"]
    assert ingest["subject"]["name"] == "ingest" and ingest["sink"]["ref"]["kind"] == "Broker"
    assert objs[("SinkBinding", "relay-sink")]["spec"]["subject"]["name"] == "relay"
    assert objs[("SinkBinding", "webhooks-sink")]["spec"]["subject"]["name"] == "webhooks"
    ping = objs[("PingSource", "relay-timer")]["spec"]
    assert ping["sink"]["ref"]["name"] == "relay" and ping["schedule"]
    job = objs[("Job", "pts-migrate")]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["pts", "migrate"]


def test_stack_yml_validates_and_names_every_function():
    schema = yaml.safe_load((conformance_dir("openfaas") / "stack.schema.json").read_text())
    doc = yaml.safe_load(STACK.read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    fns = doc["functions"]
    names = {"ingest", "search", "admin", "deployments", "services", "images", "deadletter",
             "relay", "webhooks"}
    assert set(fns) == names and {f.name for f in FUNCTIONS} <= names
    for path in doc["configuration"]["copy"]:  # the Dockerfile's COPY sources
        assert (ROOT / path).exists(), path
    dockerfile = (ROOT / "deploy/image/Dockerfile").read_text()
    for source in ("pyproject.toml", "uv.lock", "README.md", "shared", "migrations", "functions"):
        assert f"COPY {source}" in dockerfile or f" {source} " in dockerfile, source
    assert "USER 10001" in dockerfile and dockerfile.count("FROM ") == 2
    for name, spec in fns.items():
        assert spec["lang"] == "dockerfile" and (ROOT / spec["handler"] / "Dockerfile").exists()
        assert spec["environment"]["FUNCTION_TARGET"] == name
        assert "pts-database-url" in spec["secrets"]
        assert {"com.openfaas.scale.min", "com.openfaas.scale.max"} <= set(spec["labels"])
    assert fns["relay"]["annotations"]["topic"] == "cron-function"
    assert fns["relay"]["annotations"]["schedule"]


def test_checked_in_stack_yml_is_what_the_generator_writes(tmp_path):
    from pts.cli import main

    assert STACK.read_text() == openfaas.render(), \
        "stack.yml is stale: run `uv run pts manifests openfaas`"
    assert main(["manifests", "openfaas", "--check"]) == 0
    out = tmp_path / "stack.yml"
    assert main(["manifests", "openfaas", "--check", "--out", str(out)]) == 1  # absent
    assert main(["manifests", "openfaas", "--out", str(out)]) == 0
    assert main(["manifests", "openfaas", "--check", "--out", str(out)]) == 0
    out.write_text(out.read_text().replace("max: '10'", "max: '11'"))
    assert main(["manifests", "openfaas", "--check", "--out", str(out)]) == 1


def test_every_function_of_the_table_has_its_entry_point_and_no_other_exists():
    assert sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py")) == \
        sorted(f.name for f in FUNCTIONS)
    for fn in FUNCTIONS:
        assert f"def {fn.target}(" in fn.source.read_text(), fn.name
