"""What every delivery obeys: a bad or missing signature is a 401 and nothing is stored; a
replayed delivery is a duplicate; an event type PTS does not map is acknowledged and stored,
not projected; malformed requests get a problem+json 4xx."""

from __future__ import annotations

import pytest

from tests.cdevents.helpers import deliver_log, log_rows
from tests.conftest import function_client

from . import helpers as h


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    return resp.get_json()


def _nothing_stored(sql) -> None:
    assert log_rows(sql) == []
    assert sql.execute("SELECT count(*) FROM event_emissions").fetchone()[0] == 0
    assert sql.execute("SELECT last_used_at FROM webhook_integrations").fetchone()[0] is None


@pytest.mark.parametrize("kind, headers", [
    ("github", lambda s, b: h.github("wrong", b, "deployment_status", "x")),
    ("github", lambda s, b: {k: v for k, v in h.github(s, b, "deployment_status", "x").items()
                             if k != "X-Hub-Signature-256"}),
    ("github", lambda s, b: h.github(s, b + b" ", "deployment_status", "x")),  # other body
    ("flux", lambda s, b: h.flux("wrong", b)),
    ("flux", lambda s, b: {"Content-Type": "application/json"}),
    ("gitlab", lambda s, b: h.gitlab("wrong", "Deployment Hook", "x")),
    ("gitlab", lambda s, b: h.bearer(s)),  # GitLab's header, not a bearer
    ("argocd", lambda s, b: h.bearer("wrong")),
    ("harbor", lambda s, b: {"Authorization": s, "Content-Type": "application/json"}),
    ("registry", lambda s, b: {"Content-Type": "application/json"}),
])
def test_bad_or_missing_authentication_is_401_and_nothing_is_stored(hook, sql, kind, headers):
    post, secret = hook(kind)
    body = h.body_of(h.fixture("github_deployment_status"))
    sent = headers(secret, body)
    resp = post(body, sent)
    problem = _problem(resp, 401)
    assert resp.headers["WWW-Authenticate"]
    assert secret not in problem["detail"]
    _nothing_stored(sql)


def test_a_replayed_delivery_is_a_duplicate(hook, sql):
    post, secret = hook("github")
    body = h.body_of(h.fixture("github_deployment_status"))
    headers = h.github(secret, body, "deployment_status", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
    first = post(body, headers).get_json()
    again = post(body, headers).get_json()
    assert not first["duplicate"] and again["duplicate"]
    assert again["mapped"][0]["duplicate"] and again["seq"] == first["seq"]
    assert len(log_rows(sql)) == 2  # the payload and its deployment, once


def test_a_replay_without_a_delivery_id_is_a_duplicate_by_body_hash(hook, sql):
    post, secret = hook("harbor")
    body = h.body_of(h.fixture("harbor_push_artifact"))
    first, again = (post(body, h.bearer(secret)).get_json() for _ in range(2))
    assert again["duplicate"] and again["id"] == first["id"]
    assert [m["duplicate"] for m in again["mapped"]] == [True, True]
    assert len(log_rows(sql)) == 3


def test_an_unmapped_type_is_acknowledged_stored_not_projected(hook, sql):
    post, secret = hook("github")
    payload = h.fixture("github_push")
    body = h.body_of(payload)
    answer = post(body, h.github(secret, body, "push", "push-1")).get_json()
    assert "mapped" not in answer and "not projected" in answer["note"]
    [row] = log_rows(sql)
    assert row["type"] == "com.github.push" and row["data"] == payload
    deliver_log(sql)  # no handler takes it
    for table in ("deployments", "services", "images"):
        assert sql.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert sql.execute("SELECT last_used_at FROM webhook_integrations").fetchone()[0]


def test_unknown_and_revoked_integrations_are_404(hook, sql):
    post, secret = hook("argocd", "cd")
    body = h.body_of(h.fixture("argocd_on_deployed"))
    client = function_client("webhooks", token=None, broker=None)
    _problem(client.post("/nope", data=body, headers=h.bearer(secret)), 404)
    _problem(client.post("/", data=body, headers=h.bearer(secret)), 404)
    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.webhooks import store

    store.revoke(get_pool(get_settings()), "cd")
    _problem(post(body, h.bearer(secret)), 404)
    assert log_rows(sql) == []


def test_malformed_requests_are_4xx(hook, sql):
    post, secret = hook("harbor")
    _problem(post(b"{not json", h.bearer(secret)), 400)
    _problem(post(b"[1, 2]", h.bearer(secret)), 400)
    _problem(post(b"<xml/>", h.bearer(secret, "application/xml")), 415)
    _problem(post(b"payload=%7B%7D", h.bearer(secret, "application/x-www-form-urlencoded")),
             415)  # only GitHub sends forms
    client = function_client("webhooks", token=None, broker=None)
    _problem(client.get("/harbor"), 405)
    _problem(post(b'{"type": "PUSH_ARTIFACT", "operator": "a\\u0000b"}', h.bearer(secret)), 422)
    gh, gh_secret = hook("github", "gh")
    body = b"payload=%7B%7D&payload=%7B%7D"
    _problem(gh(body, h.github(gh_secret, body, "ping", "p",
                               "application/x-www-form-urlencoded")), 400)
    assert log_rows(sql) == []


def test_an_authentic_payload_of_another_shape_is_kept(hook, sql):
    post, secret = hook("harbor")
    payload = {"type": "PUSH_ARTIFACT", "event_data": {"repository": "team-a/x",
                                                       "resources": ["not an object"]}}
    answer = post(h.body_of(payload), h.bearer(secret)).get_json()
    assert "mapped" not in answer and "not the shape" in answer["note"]
    assert log_rows(sql)[0]["data"] == payload
