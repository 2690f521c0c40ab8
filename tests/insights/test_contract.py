"""The insights routes in the OpenAPI document, behind the read scope; the catalog
additions accepted and checked by ingest; the reads served by the 0009 indexes."""

from __future__ import annotations

import json

import pytest

from pts.search.app import ROUTES
from pts.search.openapi import document
from tests.conftest import function_client

from .helpers import ENV, SINCE, UNTIL, at, deployment, ev, post

PATHS = {"/dora": "Dora", "/environments/diff": "EnvironmentDiff",
         "/annotations": "AnnotationList"}


def test_the_routes_are_documented_and_need_a_token():
    doc = document(ROUTES)
    for path, schema in PATHS.items():
        op = doc["paths"][path]["get"]
        assert op["security"] == [{"bearer": []}]
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{schema}"}
        assert {"401", "403"} <= set(op["responses"])
    required = {p["name"] for p in doc["paths"]["/dora"]["get"]["parameters"] if p["required"]}
    assert required == {"environment"}
    required = {p["name"] for p in doc["paths"]["/environments/diff"]["get"]["parameters"]
                if p["required"]}
    assert required == {"from", "to"}


@pytest.mark.parametrize("path", list(PATHS))
def test_without_the_read_scope(make_token, path):
    anonymous = function_client("search", token=None, broker=None)
    assert anonymous.get(path, query_string={"environment": ENV}).status_code == 401
    writer = function_client("search", token=make_token("ci", "ingest"), broker=None)
    resp = writer.get(path, query_string={"environment": ENV})
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


def test_catalog_additions_are_validated_by_ingest(ingest_client):
    bad = [ev("deployment.started", at(1, "10:00"), deployment_id="d", service="api",
              environment=ENV, version="1", commit_time="yesterday"),
           ev("deployment.succeeded", at(1, "10:00"), deployment_id="d", service="api",
              environment=ENV, changes=[{"commit": "c1"}]),
           ev("incident.opened", at(1, "10:00"), incident_id="i1", service="api"),
           ev("change.merged", at(1, "10:00"), service="api", commit="c", time="10:00")]
    resp = ingest_client.post("/", data=json.dumps(bad),
                              content_type="application/cloudevents-batch+json")
    assert resp.status_code == 422
    fields = {(e["index"], e["field"]) for e in resp.get_json()["errors"]}
    assert fields == {(0, "data.commit_time"), (1, "data.changes.0.time"),
                      (2, "data.environment"), (3, "data.time")}


def test_plain_json_change_merged_takes_the_event_time(ingest_client, sql):
    """Plain JSON's `time` is the event's time, and the merge time."""
    resp = ingest_client.post("/", json={"type": "change.merged", "service": "web",
                                         "commit": "w4", "time": at(4, "11:20")})
    assert resp.status_code == 202, resp.get_json()
    post(deployment("w4", "web", at(4, "12:00"), at(4, "12:20"), commit="w4"))
    resp = function_client("search").get("/dora", query_string={
        "environment": ENV, "since": SINCE, "until": UNTIL})
    assert resp.get_json()["lead_time_for_changes"] == {
        "count": 1, "median_seconds": 3600, "p90_seconds": 3600}
    subject = sql.execute("SELECT subject FROM platform_events WHERE type = "
                          "'dev.pts.change.merged'").fetchone()[0]
    assert subject == "w4"


INDEXED = [
    ("SHIPPED", {"ids": ["d-1"]}, "ix_events_deployment_changes"),
    ("MERGED", {"commits": ["c-1"]}, "ix_events_change_commit"),
    ("INCIDENT_EVENTS", {"ids": ["inc-1"]}, "ix_events_incident_id"),
]
# A few thousand of each kind of event the insights read, so that the planner has a choice
# between the partial indexes (two share a predicate) and picks by selectivity.
FILL = """
INSERT INTO platform_events (id, source, type, specversion, time, data, occurred_at,
    service, environment, content_hash)
SELECT k || i, '/fill', t, '1.0', ts, d, ts, d ->> 'service', d ->> 'environment', 'h'
FROM generate_series(1, 3000) AS i,
  LATERAL (SELECT timestamptz '2026-11-01T00:00:00Z' + i * interval '5 minutes' AS ts) AS w,
  LATERAL (VALUES
    ('o', 'dev.pts.incident.opened', jsonb_build_object('incident_id', 'inc-' || i,
        'service', 's' || (i % 7), 'environment', 'env-' || (i % 20))),
    ('r', 'dev.pts.incident.resolved', jsonb_build_object('incident_id', 'inc-' || i,
        'service', 's' || (i % 7), 'environment', 'env-' || (i % 20))),
    ('m', 'dev.pts.change.merged', jsonb_build_object('commit', 'c-' || i, 'service', 's',
        'time', '2026-11-01T00:00:00Z')),
    ('d', 'dev.pts.deployment.started', jsonb_build_object('deployment_id', 'd-' || i,
        'service', 's', 'environment', 'prod', 'version', '1',
        'changes', jsonb_build_array(jsonb_build_object('commit', 'c-' || i,
                                                        'time', '2026-11-01T00:00:00Z'))))
  ) AS x(k, t, d)
"""


@pytest.fixture
def filled(sql):
    sql.execute(FILL)
    sql.execute("ANALYZE platform_events")
    sql.execute("SET enable_seqscan = off")  # does the index serve the query at all?
    return sql


def plan(conn, query: str, params: dict) -> str:
    return "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params).fetchall())


@pytest.mark.parametrize("name,params,index", INDEXED, ids=[i[0] for i in INDEXED])
def test_the_log_reads_use_their_partial_index(filled, name, params, index):
    """The partial indexes' predicates match the queries' (else the planner could never
    use them)."""
    from pts.insights import queries

    assert index in plan(filled, getattr(queries, name), params)


def test_the_incident_window_read_uses_its_index(filled):
    from pts.insights import queries

    query = queries.INCIDENTS_OPENED.format(high="AND occurred_at < %(high)s")
    params = {"environment": "env-3", "low": "2026-11-02T00:00:00Z",
              "high": "2026-11-03T00:00:00Z"}
    assert "ix_events_incident_environment" in plan(filled, query, params)
