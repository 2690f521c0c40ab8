"""Managing integrations: `pts webhook create|list|revoke`, the admin API that matches it,
and migration 0008 (its model, its constraints, down and up again)."""

from __future__ import annotations

import json

import psycopg
import pytest
from sqlmodel import SQLModel

import pts.webhooks.models  # noqa: F401  (registers the table)
from pts.cli import main
from pts.db.migrate import downgrade, upgrade
from tests.conftest import function_client
from tests.support.times import assert_times_are_rfc3339

from . import helpers as h


def _run(capsys, db_url, *argv):
    code = main(["webhook", *argv, "--database-url", db_url])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_create_prints_path_and_secret_once(capsys, db_url, sql):
    code, out, err = _run(capsys, db_url, "create", "gh", "--kind", "github")
    assert code == 0
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert lines["url"].strip() == "/function/webhooks/gh"
    secret = lines["secret"].strip()
    assert secret.startswith("whs_") and secret not in err and "shown only now" in err
    code, out, _ = _run(capsys, db_url, "create", "lab", "--kind", "registry",
                        "--source-prefix", "/registry/lab/", "--json")
    doc = json.loads(out)
    assert set(doc) == {"name", "kind", "url", "secret"}
    assert doc["url"] == "/function/webhooks/lab" and doc["kind"] == "registry"
    # HMAC kinds keep the secret (to verify signatures); the others only its hash.
    rows = dict(sql.execute("SELECT name, secret FROM webhook_integrations").fetchall())
    assert rows == {"gh": secret, "lab": None}
    assert doc["secret"] not in str(sql.execute("SELECT * FROM webhook_integrations "
                                                "WHERE name = 'lab'").fetchone())
    # The secret works against the function.
    body = h.body_of(h.fixture("registry_events"))
    resp = function_client("webhooks", token=None, broker=None).post(
        "/lab", data=body, headers=h.bearer(doc["secret"]))
    assert resp.status_code == 202 and resp.get_json()["source"].startswith("/registry/lab/")


def test_cli_refuses_what_it_cannot_create(capsys, db_url):
    _run(capsys, db_url, "create", "gh", "--kind", "github")
    assert _run(capsys, db_url, "create", "gh", "--kind", "gitlab")[0] == 2
    assert _run(capsys, db_url, "create", "bad/name", "--kind", "gitlab")[0] == 2
    with pytest.raises(SystemExit):
        _run(capsys, db_url, "create", "x", "--kind", "jenkins")


def test_cli_list_and_revoke(capsys, db_url):
    _, out, _ = _run(capsys, db_url, "create", "gl", "--kind", "gitlab")
    code, out, _ = _run(capsys, db_url, "list")
    assert code == 0 and out.splitlines()[1].split()[:3] == ["gl", "gitlab",
                                                             "/function/webhooks/gl"]
    assert "whs_" not in out
    assert _run(capsys, db_url, "revoke", "gl")[0] == 0
    assert len(_run(capsys, db_url, "list")[1].splitlines()) == 1
    _, out, _ = _run(capsys, db_url, "list", "--all", "--json")
    assert json.loads(out)["revoked_at"] is not None
    assert_times_are_rfc3339(json.loads(out), at_least=2)  # created_at, revoked_at
    assert _run(capsys, db_url, "revoke", "gl")[0] == 2


def test_admin_api_matches_the_cli(db_url, make_token, sql):
    admin = function_client("admin")
    resp = admin.post("/api/webhooks", json={"name": "argo", "kind": "argocd",
                                             "source_prefix": "/argocd/prod/"})
    assert resp.status_code == 201
    created = resp.get_json()
    assert created["url"] == "/function/webhooks/argo" and created["secret"].startswith("whs_")
    listed = admin.get("/api/webhooks").get_json()["webhooks"]
    assert [w["name"] for w in listed] == ["argo"] and "secret" not in listed[0]
    assert_times_are_rfc3339([created, listed], at_least=2)
    assert listed[0]["source_prefix"] == "/argocd/prod/"
    assert admin.post("/api/webhooks", json={"name": "argo", "kind": "flux"}).status_code == 409
    bad = admin.post("/api/webhooks", json={"name": "", "kind": "jenkins"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.get_json()["errors"]} == {"name", "kind"}
    assert admin.post("/api/webhooks", data="[]", content_type="application/json"
                      ).status_code == 400
    reader = function_client("admin", token=make_token("r", "read"))
    assert reader.get("/api/webhooks").status_code == 403
    assert reader.delete("/api/webhooks/argo").status_code == 403
    assert function_client("admin", token=None).get("/api/webhooks").status_code == 401
    assert admin.delete("/api/webhooks/argo").status_code == 204
    assert admin.delete("/api/webhooks/argo").status_code == 404
    assert admin.get("/api/webhooks").get_json()["webhooks"] == []
    assert admin.put("/api/webhooks").status_code == 405


def test_model_matches_the_migration_and_constraints_hold(db_url, sql):
    model = SQLModel.metadata.tables["webhook_integrations"]
    columns = {n: v == "YES" for n, v in sql.execute(
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'webhook_integrations'")}
    assert columns == {c.name: bool(c.nullable) for c in model.columns}
    insert = ("INSERT INTO webhook_integrations (name, kind, source_prefix, secret_hash, "
              "secret) VALUES (%s, %s, '/w/', %s, %s)")
    for row in (("a", "jenkins", "a" * 64, None), ("a b", "gitlab", "a" * 64, None),
                ("a", "github", "a" * 64, None), ("a", "gitlab", "a" * 64, "s"),
                ("a", "gitlab", "nothex", None)):
        with pytest.raises(psycopg.errors.CheckViolation):
            sql.execute(insert, row)


@pytest.mark.fresh_database
def test_downgrade_and_upgrade_again(owner_url, sql):
    downgrade(owner_url, "0005")
    assert not sql.execute("SELECT to_regclass('webhook_integrations')").fetchone()[0]
    upgrade(owner_url)  # migrations run as the owner
    assert sql.execute("SELECT to_regclass('webhook_integrations')").fetchone()[0]
