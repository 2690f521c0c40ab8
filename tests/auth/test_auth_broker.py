"""Handlers accept deliveries from the broker only: require_broker, through HTTP, as a
handler's entry point uses it (the handlers themselves live on another branch)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from functions_framework import create_app

from pts.auth import audit
from tests.support.env import TEST_BROKER_TOKEN

HANDLER = '''
import flask
import functions_framework
from pts.auth import require_broker
from pts.http.guard import guarded

@functions_framework.http
@guarded
def probe_handler(request):
    require_broker(request, function="probe")
    return flask.Response(status=204)
'''


@pytest.fixture
def handler(tmp_path: Path):
    source = tmp_path / "main.py"
    source.write_text(HANDLER)
    return create_app("probe_handler", str(source)).test_client()


def test_the_broker_secret_is_required(handler, monkeypatch, caplog):
    monkeypatch.setenv("PTS_BROKER_TOKEN", TEST_BROKER_TOKEN)
    with caplog.at_level(logging.WARNING, logger="pts.auth"):
        assert handler.post("/").status_code == 401
        wrong = handler.post("/", headers={"X-PTS-Broker-Token": "guess"})
    assert wrong.status_code == 401 and wrong.mimetype == "application/problem+json"
    assert "guess" not in caplog.text
    assert audit.failure_counts() == {"no broker secret": 1, "wrong broker secret": 1}
    ok = handler.post("/", headers={"X-PTS-Broker-Token": TEST_BROKER_TOKEN})
    assert ok.status_code == 204 and ok.get_data() == b""


def test_a_bearer_token_is_no_substitute(handler, monkeypatch):
    monkeypatch.setenv("PTS_BROKER_TOKEN", TEST_BROKER_TOKEN)
    monkeypatch.setenv("PTS_ADMIN_TOKEN", "pts_admin")
    assert handler.post("/", headers={"Authorization": "Bearer pts_admin"}).status_code == 401


def test_without_a_configured_secret_the_check_is_off(handler, monkeypatch):
    # Knative: handlers are cluster-local, reachable by the Broker only.
    monkeypatch.delenv("PTS_BROKER_TOKEN", raising=False)
    assert handler.post("/").status_code == 204
