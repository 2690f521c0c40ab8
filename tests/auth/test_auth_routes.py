"""Every route without a token, with a wrong-scope token, a revoked, unknown or malformed one."""

from __future__ import annotations

import logging

import pytest

from pts.auth import audit, store
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.domain.functions import FUNCTIONS
from tests.auth.helpers import bearer, deployment
from tests.support.env import TEST_TOKEN, function_client

CE_BATCH = "application/cloudevents-batch+json"

# (function, method, path, body, the scope it needs, success status)
ROUTES = [
    ("ingest", "POST", "/", [deployment()], "ingest", 202),
    ("admin", "GET", "/api/whoami", None, "read", 200),
    ("admin", "GET", "/api/tokens", None, "admin", 200),
    ("admin", "POST", "/api/tokens", {"name": "new", "scopes": ["read"]}, "admin", 201),
    ("admin", "DELETE", "/api/tokens/victim", None, "admin", 204),
    ("search", "GET", "/events", None, "read", 200),
    ("search", "GET", "/events/1", None, "read", 404),
    ("search", "GET", "/deployments", None, "read", 200),
    ("search", "GET", "/deployments/d-1", None, "read", 404),
    ("search", "GET", "/services", None, "read", 200),
    ("search", "GET", "/services/api", None, "read", 404),
    ("search", "GET", "/images", None, "read", 200),
    ("search", "GET", "/environments", None, "read", 200),
    ("search", "GET", "/deadletters", None, "read", 200),
    ("search", "GET", "/no/such/route", None, "read", 404),
]
IDS = [f"{r[0]} {r[1]} {r[2]}" for r in ROUTES]


def _call(client, method, path, body, headers=None):
    kwargs = {"headers": headers or {}}
    if body is not None:
        kwargs["json"] = body
        if isinstance(body, list):
            kwargs["headers"]["Content-Type"] = CE_BATCH
            kwargs.pop("json")
            import json

            kwargs["data"] = json.dumps(body)
    return client.open(path, method=method, **kwargs)


def _rows(sql) -> int:
    return sql.execute("SELECT count(*) FROM platform_events").fetchone()[0]


@pytest.fixture
def victim(make_token):
    return make_token("victim", "read")


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_without_a_token_is_401(route, anon_client, sql, victim):
    name, method, path, body, _scope, _ok = route
    resp = _call(anon_client(name), method, path, body)
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.mimetype == "application/problem+json"
    assert _rows(sql) == 0
    live = "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL"
    assert sql.execute(live).fetchone()[0] == 1


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize("header", ["Bearer pts_unknown-token", "Bearer", "Basic dXNlcjpwYXNz",
                                    "Bearer two words", "Bearer tok\u00e9n"])
def test_unknown_or_malformed_token_is_401(route, header, anon_client, sql, victim):
    name, method, path, body, _scope, _ok = route
    resp = _call(anon_client(name), method, path, body, headers={"Authorization": header})
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.headers["WWW-Authenticate"].startswith('Bearer realm="pts"')
    assert _rows(sql) == 0


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_wrong_scope_is_403_and_right_scope_passes(route, anon_client, make_token, sql, victim):
    name, method, path, body, scope, ok = route
    others = [s for s in ("ingest", "read", "admin") if s != scope]
    wrong = make_token("wrong", *others)
    resp = _call(anon_client(name), method, path, body, headers=bearer(wrong))
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert "insufficient_scope" in resp.headers["WWW-Authenticate"]
    assert scope in resp.get_json()["detail"]
    assert _rows(sql) == 0
    right = make_token("right", scope)
    resp = _call(anon_client(name), method, path, body, headers=bearer(right))
    assert resp.status_code == ok, resp.get_data(as_text=True)


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_revoked_token_is_401(route, anon_client, make_token, sql, victim):
    name, method, path, body, _scope, _ok = route
    token = make_token("gone", "ingest", "read", "admin")
    assert store.revoke(get_pool(get_settings()), "gone") is not None
    resp = _call(anon_client(name), method, path, body, headers=bearer(token))
    assert resp.status_code == 401
    assert "revoked" in resp.get_json()["detail"]
    assert _rows(sql) == 0


def test_failures_are_counted_and_logged_without_the_token(anon_client, caplog, db_url):
    secret = "pts_this-is-a-secret-that-must-never-be-logged"
    with caplog.at_level(logging.WARNING, logger="pts.auth"):
        anon_client("ingest").post("/", json={}, headers={"Authorization": f"Bearer {secret}"})
        anon_client("ingest").post("/", json={})
    assert audit.failure_counts() == {"unknown token": 1, "no token": 1}
    assert "function=ingest" in caplog.text
    assert secret not in caplog.text and "must-never" not in caplog.text


def test_use_is_recorded_at_most_once_per_interval(make_token, anon_client, sql, monkeypatch):
    monkeypatch.setenv("PTS_AUDIT_INTERVAL_SECONDS", "3600")
    token = make_token("pipeline", "ingest", "read")
    assert anon_client("ingest").post("/", json={"type": "deployment.started", "deployment_id": "d",
                                          "service": "s", "environment": "e", "version": "1"},
                               headers=bearer(token)).status_code == 202
    used = sql.execute("SELECT last_used_at, last_used_by FROM api_tokens "
                       "WHERE name = 'pipeline'").fetchone()
    assert used[0] is not None and used[1] == "ingest"
    assert anon_client("admin").get("/api/whoami", headers=bearer(token)).status_code == 200
    again = sql.execute("SELECT last_used_at, last_used_by FROM api_tokens "
                        "WHERE name = 'pipeline'").fetchone()
    assert again == used  # within the interval: no write
    monkeypatch.setenv("PTS_AUDIT_INTERVAL_SECONDS", "0")
    assert anon_client("admin").get("/api/whoami", headers=bearer(token)).status_code == 200
    last = sql.execute("SELECT last_used_at, last_used_by FROM api_tokens "
                       "WHERE name = 'pipeline'").fetchone()
    assert last[1] == "admin" and last[0] > used[0]


def test_admin_token_is_registered_hashed_on_first_use(sql):
    assert sql.execute("SELECT count(*) FROM api_tokens").fetchone()[0] == 0
    resp = function_client("admin").get("/api/whoami")
    assert resp.status_code == 200
    assert resp.get_json() == {"name": "PTS_ADMIN_TOKEN", "scopes": ["ingest", "read", "admin"],
                               "source_prefix": None}
    rows = sql.execute("SELECT name, token_hash FROM api_tokens").fetchall()
    assert len(rows) == 1 and rows[0][0] == "PTS_ADMIN_TOKEN"
    assert TEST_TOKEN not in rows[0][1] and len(rows[0][1]) == 64


def test_revoked_admin_token_stays_revoked(sql):
    client = function_client("admin")
    assert client.get("/api/whoami").status_code == 200
    assert store.revoke(get_pool(get_settings()), "PTS_ADMIN_TOKEN") is not None
    assert client.get("/api/whoami").status_code == 401
    assert sql.execute("SELECT count(*) FROM api_tokens").fetchone()[0] == 1


def test_a_new_admin_token_value_replaces_the_old(sql, monkeypatch):
    assert function_client("admin").get("/api/whoami").status_code == 200
    monkeypatch.setenv("PTS_ADMIN_TOKEN", "pts_rotated-admin-token-value-0123456789")
    assert function_client("admin", token="pts_rotated-admin-token-value-0123456789").get(
        "/api/whoami").status_code == 200
    assert function_client("admin").get("/api/whoami").status_code == 401
    live = sql.execute("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL").fetchone()[0]
    assert live == 1


def test_rate_limit_answers_429_with_retry_after(make_token, anon_client, monkeypatch):
    monkeypatch.setenv("PTS_RATE_LIMIT_PER_SECOND", "0.5")
    monkeypatch.setenv("PTS_RATE_LIMIT_BURST", "2")
    token, other = make_token("busy", "read"), make_token("calm", "read")
    client = anon_client("admin")
    codes = [client.get("/api/whoami", headers=bearer(token)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    resp = client.get("/api/whoami", headers=bearer(token))
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert client.get("/api/whoami", headers=bearer(other)).status_code == 200  # per token


def test_rate_limit_is_off_by_default(make_token, anon_client):
    token = make_token("busy", "read")
    client = anon_client("admin")
    assert {client.get("/api/whoami", headers=bearer(token)).status_code
            for _ in range(30)} == {200}


def test_the_openapi_document_is_public(anon_client, db_url):
    resp = anon_client("search").get("/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["paths"]["/events"]["get"]["security"] == [{"bearer": []}]
    assert "401" in doc["paths"]["/events"]["get"]["responses"]


BROKER_ONLY = [f.name for f in FUNCTIONS if not f.public]  # what the function table says


def test_the_table_names_the_broker_only_functions():
    assert BROKER_ONLY == ["deployments", "services", "images", "deadletter", "relay"]


@pytest.mark.parametrize("name", BROKER_ONLY)
def test_broker_only_functions_refuse_others(name, db_url):
    for broker in (None, "forged"):
        client = function_client(name, broker=broker)  # even with an admin token
        resp = client.post("/", data=b"{}", headers={"ce-specversion": "1.0"})
        assert resp.status_code == 401, (broker, resp.get_data(as_text=True))
        assert resp.content_type == "application/problem+json"
