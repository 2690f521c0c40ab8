"""The Grafana dashboard of docs/grafana/ is valid JSON and charts only metrics PTS exports."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT

DASHBOARD = ROOT / "docs" / "grafana" / "pts-operations.json"
EXPORTED = {"pts_ingest_events_total", "pts_http_requests_total",
            "pts_http_request_duration_seconds_bucket", "pts_outbox_pending",
            "pts_deliveries_pending", "pts_delivery_lag_seconds", "pts_projection_lag_seconds",
            "pts_dead_letters_open", "pts_log_events", "pts_database_up",
            "pts_ingest_backpressure_seconds_total"}


def test_the_dashboard_uses_every_metric_and_no_other():
    doc = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]
    used = {m for e in exprs for m in re.findall(r"\bpts_[a-z_]+", e)}
    assert used == EXPORTED
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids)) and doc["uid"] == "pts-operations"
    assert all(p["datasource"]["uid"] == "${datasource}" for p in doc["panels"]
               if p["type"] != "row")


def test_the_documented_metrics_are_the_exported_ones(db_url, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    from prometheus_client.parser import text_string_to_metric_families

    from pts.runtime.metrics import render

    families = {f.name for f in text_string_to_metric_families(render()[0].decode())
                if f.name.startswith("pts_")}
    doc = (ROOT / "docs" / "metrics.md").read_text()
    for name in families:
        shown = name + ("_total" if name + "_total" in doc else "")
        assert f"`{shown}`" in doc, name
