"""`pts token create|list|revoke`, in process, against the test database."""

from __future__ import annotations

import json

from pts.cli import main
from tests.auth.helpers import bearer


def _run(capsys, db_url, *argv):
    code = main(["token", *argv, "--database-url", db_url])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_prints_the_token_once_and_stores_a_hash(capsys, db_url, sql, anon_client):
    code, out, err = _run(capsys, db_url, "create", "--name", "ci", "--scope", "ingest",
                          "--scope", "read", "--source-prefix", "/ci/")
    assert code == 0
    token = out.strip()
    assert token.startswith("pts_") and len(token) >= 40 and "\n" not in token
    assert "shown only now" in err and token not in err
    row = sql.execute("SELECT name, scopes, source_prefix, token_hash FROM api_tokens").fetchone()
    assert row[:3] == ("ci", ["ingest", "read"], "/ci/")
    assert token not in row[3] and len(row[3]) == 64
    assert anon_client("admin").get("/api/whoami", headers=bearer(token)).status_code == 200


def test_list_shows_use_and_never_tokens(capsys, db_url, anon_client, monkeypatch):
    monkeypatch.setenv("PTS_AUDIT_INTERVAL_SECONDS", "0")
    _, token, _ = _run(capsys, db_url, "create", "--name", "ci", "--scope", "all")
    _run(capsys, db_url, "create", "--name", "idle", "--scope", "read")
    anon_client("admin").get("/api/whoami", headers=bearer(token.strip()))
    code, out, _ = _run(capsys, db_url, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SCOPES", "SOURCE", "PREFIX", "CREATED", "LAST", "USED",
                                "BY", "REVOKED"]
    assert lines[1].split()[:2] == ["ci", "ingest,read,admin"]
    assert lines[1].split()[5] == "admin"  # last used by the admin function
    assert lines[2].split()[4:6] == ["-", "-"]  # never used
    assert token.strip() not in out
    _, out, _ = _run(capsys, db_url, "list", "--json")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["name"] for d in docs] == ["ci", "idle"] and docs[0]["last_used_by"] == "admin"


def test_revoke_then_list_all(capsys, db_url, anon_client):
    _, token, _ = _run(capsys, db_url, "create", "--name", "ci", "--scope", "read")
    code, _, err = _run(capsys, db_url, "revoke", "ci")
    assert code == 0 and "revoked" in err
    assert anon_client("admin").get("/api/whoami",
                                    headers=bearer(token.strip())).status_code == 401
    _, out, _ = _run(capsys, db_url, "list")
    assert len(out.splitlines()) == 1
    _, out, _ = _run(capsys, db_url, "list", "--all")
    assert out.splitlines()[1].split()[0] == "ci" and out.splitlines()[1].split()[-1] != "-"
    # The name is free again once revoked.
    assert _run(capsys, db_url, "create", "--name", "ci", "--scope", "read")[0] == 0


def test_user_errors_exit_2(capsys, db_url):
    code, _, err = _run(capsys, db_url, "create", "--name", "x", "--scope", "root")
    assert code == 2 and "unknown scope" in err
    assert _run(capsys, db_url, "create", "--name", "x", "--scope", "read")[0] == 0
    code, _, err = _run(capsys, db_url, "create", "--name", "x", "--scope", "read")
    assert code == 2 and "already named" in err
    code, _, err = _run(capsys, db_url, "revoke", "nobody")
    assert code == 2 and "no live token" in err
