"""/metrics: the Prometheus text format parses, and its counters and gauges follow the events.

In process (one worker, the functions as the platform calls them) and through `pts up` with
two workers (multiprocess mode: each worker's counts are summed)."""

from __future__ import annotations

import json

import pytest

from pts.metrics.instruments import KNOWN_PREFIXES
from tests.conftest import function_client

from .helpers import batch, post_json, samples, value, wait_for


def _scrape() -> dict:
    from pts.runtime.metrics import render

    body, content_type = render()
    assert content_type.startswith("text/plain")
    return samples(body.decode())


def test_counters_move_as_events_flow_in_process(db_url, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    ingest = function_client("ingest")
    before = _scrape()
    events = batch(6)  # 4 deployments, 2 platform events
    assert post_json(ingest, events).status_code == 202
    assert post_json(ingest, events[:2]).status_code == 202  # repeats: duplicates
    assert post_json(ingest, {"type": "nope.never"}).status_code == 422
    after = _scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("pts_ingest_events_total", type_prefix="dev.pts.deployment",
                 outcome="stored") == 4
    assert moved("pts_ingest_events_total", type_prefix="dev.pts.platform",
                 outcome="stored") == 2
    assert moved("pts_ingest_events_total", type_prefix="dev.pts.deployment",
                 outcome="duplicate") == 2
    assert moved("pts_ingest_events_total", type_prefix="other", outcome="refused") == 1
    assert moved("pts_http_requests_total", function="ingest", status="202") == 2
    assert moved("pts_http_requests_total", function="ingest", status="422") == 1
    assert moved("pts_http_request_duration_seconds_count", function="ingest") == 3
    # Gauges read from the database: 6 events in the log, none emitted (no sink here).
    assert value(after, "pts_log_events") == 6
    assert value(after, "pts_outbox_pending") == 6
    assert value(after, "pts_database_up") == 1
    assert value(after, "pts_dead_letters_open") == 0
    for sub in ("deployments", "services", "images"):  # every subscriber, even at zero
        assert ("pts_deliveries_pending", (("subscriber", sub),)) in after
        assert ("pts_delivery_lag_seconds", (("subscriber", sub),)) in after
    # Nothing applied yet: each projection lags by what it takes.
    assert set(k[1] for k in after if k[0] == "pts_projection_lag_seconds") == {
        (("projection", p),) for p in ("deployments", "services", "images")}


def test_refused_label_values_stay_in_a_closed_set(db_url, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    ingest = function_client("ingest")
    hostile = [{"specversion": "1.0", "type": f"evil.{i}\n", "source": "/x", "id": str(i)}
               for i in range(5)]
    assert post_json(ingest, hostile).status_code in (400, 422)
    prefixes = {dict(k[1]).get("type_prefix") for k in _scrape()
                if k[0] == "pts_ingest_events_total"}
    # Earlier tests of this process may have counted any known family; the hostile types
    # must not have added a label value of their own.
    # (foreign prefixes, which end with a dot, are labels only when configured)
    assert all(p in KNOWN_PREFIXES or p == "other" or (p or "").endswith(".")
               for p in prefixes), prefixes
    assert not any("evil" in (p or "") for p in prefixes)


def test_database_down_is_a_gauge_not_a_failed_scrape(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    monkeypatch.setenv("PTS_POOL_TIMEOUT", "1")
    parsed = _scrape()
    assert value(parsed, "pts_database_up") == 0


@pytest.mark.slow
def test_pts_up_with_two_workers_sums_their_counters(up, sql):
    # Deliveries over HTTP (pts up applies them in-process by default, with no request to
    # count): this test is about HTTP counters summed across workers.
    server = up("--workers", "2", "--threads", "4", PTS_BROKER_IN_PROCESS="false")
    events = batch(9)
    for i in range(0, 9, 3):  # several requests: both workers are likely to answer some
        status, _, body = server.request("POST", "/function/ingest",
                                         json.dumps(events[i:i + 3]).encode(),
                                         {"Content-Type": "application/cloudevents-batch+json"})
        assert status == 202, body
    for _ in range(4):
        assert server.request("HEAD", "/healthz")[0] == 200

    def delivered():
        return sql.execute("SELECT count(*) = 0 FROM broker_deliveries "
                           "WHERE status = 'pending'").fetchone()[0]

    assert wait_for(delivered)
    status, headers, body = server.request("GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    parsed = samples(body.decode())
    assert value(parsed, "pts_ingest_events_total", type_prefix="dev.pts.deployment",
                 outcome="stored") == 6
    assert value(parsed, "pts_ingest_events_total", type_prefix="dev.pts.platform",
                 outcome="stored") == 3
    assert value(parsed, "pts_http_requests_total", function="ingest", status="202") == 3
    # Six deployments, each delivered to three handlers, one request each.
    for handler in ("deployments", "services", "images"):
        assert value(parsed, "pts_http_requests_total", function=handler, status="204") == 6
        assert value(parsed, "pts_deliveries_pending", subscriber=handler) == 0
    assert value(parsed, "pts_log_events") == 9
    assert value(parsed, "pts_outbox_pending") == 0
    assert server.request("HEAD", "/metrics")[2] == b""
    server.stop()
    log = server.log.read_text()
    assert "WARNING" not in log, log
    # One line per request: three ingest requests, eighteen handler deliveries.
    lines = [line for line in log.splitlines() if " pts.http.observe: " in line]
    assert sum(" ingest POST / 202 " in line for line in lines) == 3
    assert len(lines) == 3 + 18, lines


def test_pts_serve_and_pts_up_answer_metrics_and_health_without_a_body_for_head(
        db_url, monkeypatch):
    from werkzeug.test import Client

    from pts.cli.serve import build
    from pts.runtime.app import build_app
    from tests.conftest import ROOT

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    for app in (build("search", str(ROOT / "functions" / "search" / "main.py")), build_app()):
        client = Client(app)
        resp = client.get("/metrics")
        assert resp.status_code == 200 and b"pts_log_events" in resp.data
        for path in ("/metrics", "/healthz"):
            head = client.head(path)
            assert head.status_code == 200 and head.data == b""


def test_the_metrics_token_guards_metrics_when_set(db_url, monkeypatch):
    from werkzeug.test import Client

    from pts.runtime.app import build_app

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("PTS_METRICS_TOKEN", "scrape-secret")
    client = Client(build_app())
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200 and b"pts_database_up" in ok.data


def test_gauges_are_read_once_per_cache_period(db_url, monkeypatch, sql):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("PTS_METRICS_CACHE_SECONDS", "300")
    first = value(_scrape(), "pts_log_events")
    assert post_json(function_client("ingest"), batch(3)).status_code == 202
    assert value(_scrape(), "pts_log_events") == first  # from this process's cache
    monkeypatch.setenv("PTS_METRICS_CACHE_SECONDS", "0")
    assert value(_scrape(), "pts_log_events") == first + 3
