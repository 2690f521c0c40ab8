"""Source restriction: a token with a source prefix cannot forge another pipeline's events."""

from __future__ import annotations

import json

from tests.auth.helpers import bearer, deployment

BATCH = "application/cloudevents-batch+json"


def _post_batch(client, token, events):
    return client.post("/", data=json.dumps(events),
                       headers={**bearer(token), "Content-Type": BATCH})


def _sources(sql):
    return [r[0] for r in sql.execute("SELECT source FROM platform_events ORDER BY seq")]


def test_allowed_sources_are_stored(make_token, anon_client, sql):
    token = make_token("ci-a", "ingest", source_prefix="/ci/a")
    events = [deployment(1, "/ci/a"), deployment(2, "/ci/a/x")]
    resp = _post_batch(anon_client("ingest"), token, events)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    assert _sources(sql) == ["/ci/a", "/ci/a/x"]


def test_a_mixed_batch_is_refused_whole_naming_the_indexes(make_token, anon_client, sql):
    token = make_token("ci-a", "ingest", source_prefix="/ci/a")
    events = [deployment(1, "/ci/a"), deployment(2, "/ci/b"), deployment(3, "/ci/a"),
              deployment(4, "/other")]
    resp = _post_batch(anon_client("ingest"), token, events)
    assert resp.status_code == 403
    problem = resp.get_json()
    assert [e["index"] for e in problem["errors"]] == [1, 3]
    assert {e["field"] for e in problem["errors"]} == {"source"}
    assert _sources(sql) == []


def test_every_mode_is_checked(make_token, anon_client, sql):
    token = make_token("ci-a", "ingest", source_prefix="/ci/a")
    client = anon_client("ingest")
    event = deployment(1, "/ci/b")
    structured = client.post("/", data=json.dumps(event), headers={
        **bearer(token), "Content-Type": "application/cloudevents+json"})
    binary = client.post("/", data=json.dumps(event["data"]), headers={
        **bearer(token), "Content-Type": "application/json", "ce-specversion": "1.0",
        "ce-id": "b-1", "ce-source": "/ci/b", "ce-type": "dev.pts.deployment.started"})
    # Plain JSON without a source gets the default source, which is outside the prefix.
    plain = client.post("/", json={"type": "deployment.started", "deployment_id": "d",
                                   "service": "s", "environment": "e", "version": "1"},
                        headers=bearer(token))
    plain_own = client.post("/", json={"type": "deployment.started", "source": "/ci/a/plain",
                                       "deployment_id": "d", "service": "s",
                                       "environment": "e", "version": "1"},
                            headers=bearer(token))
    assert [structured.status_code, binary.status_code, plain.status_code] == [403, 403, 403]
    assert plain_own.status_code == 202
    assert _sources(sql) == ["/ci/a/plain"]


def test_a_token_cannot_claim_an_existing_event_of_another_source(make_token, anon_client, sql):
    other = make_token("ci-b", "ingest", source_prefix="/ci/b")
    assert _post_batch(anon_client("ingest"), other, [deployment(1, "/ci/b")]).status_code == 202
    mine = make_token("ci-a", "ingest", source_prefix="/ci/a")
    # Even a duplicate of a stored event is refused: the answer would confirm it exists.
    assert _post_batch(anon_client("ingest"), mine, [deployment(1, "/ci/b")]).status_code == 403
    assert _sources(sql) == ["/ci/b"]


def test_a_token_without_prefix_posts_any_source(make_token, anon_client, sql):
    token = make_token("any", "ingest")
    resp = _post_batch(anon_client("ingest"), token, [deployment(1, "/x"), deployment(2, "/y")])
    assert resp.status_code == 202
    assert _sources(sql) == ["/x", "/y"]
