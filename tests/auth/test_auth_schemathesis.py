"""schemathesis against ingest, from a small OpenAPI description (ingest_openapi.yaml):
valid and invalid requests alike never answer >= 500, and the log ends up holding exactly
the events ingest acknowledged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from schemathesis import GenerationMode

from tests.support.env import ROOT, TEST_TOKEN

SPEC = Path(__file__).with_name("ingest_openapi.yaml")


@pytest.fixture
def operation(db_url):
    from functions_framework import create_app

    schema = schemathesis.openapi.from_dict(yaml.safe_load(SPEC.read_text()))
    schema.app = create_app("ingest", str(ROOT / "functions" / "ingest" / "main.py"))
    return schema["/"]["POST"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_ingest_against_its_schema(operation, sql, mode):
    accepted: set[tuple[str, str]] = set()
    statuses: set[int] = set()

    # No shrinking: a failure prints its curl reproduction, and shrinking through a WSGI
    # app on a shared machine can take minutes.
    @settings(deadline=None, database=None,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        resp = case.call(headers={"Authorization": f"Bearer {TEST_TOKEN}"})
        statuses.add(resp.status_code)
        assert resp.status_code < 500, (case.body, resp.content[:500])
        if resp.status_code == 202:
            events = json.loads(resp.content)["events"]
            accepted.update((e["source"], e["id"]) for e in events)

    if mode is GenerationMode.POSITIVE:  # random positive cases may all be refused (422...)
        run = example(case=operation.Case(media_type="application/json", body={
            "type": "deployment.started", "source": "/ci/schema", "id": "explicit-1",
            "deployment_id": "d-1", "service": "api", "environment": "prod",
            "version": "1.0"}))(run)
    run()
    rows = set(sql.execute("SELECT source, id FROM platform_events").fetchall())
    assert rows == accepted
    if mode is GenerationMode.POSITIVE:
        assert ("/ci/schema", "explicit-1") in accepted  # the schema describes acceptable events
