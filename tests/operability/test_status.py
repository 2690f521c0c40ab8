"""`pts status` and GET /function/admin/api/status report a known backlog."""

from __future__ import annotations

import json

from pts.cli import main
from tests.conftest import function_client
from tests.support.times import assert_times_are_rfc3339

from .helpers import batch, post_json
from .test_deadletters import _dead_letter


def _backlog(monkeypatch) -> None:
    """Six events queued in the local broker (no dispatcher runs), two more in the outbox
    only, and two dead letters, one of them discarded."""
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    ingest = function_client("ingest")
    assert post_json(ingest, batch(6)).status_code == 202  # 4 deployments, 2 platform
    monkeypatch.setenv("PTS_EMIT_MODE", "sink")  # and no K_SINK: they wait in the outbox
    assert post_json(ingest, batch(2, start=100)).status_code == 202
    _dead_letter(1)
    _dead_letter(2)


def test_pts_status_reports_the_backlog(db_url, sql, monkeypatch, capsys):
    _backlog(monkeypatch)
    letter = sql.execute("SELECT min(id) FROM dead_letters").fetchone()[0]
    assert main(["deadletters", "discard", str(letter), "--database-url", db_url]) == 0
    capsys.readouterr()
    assert main(["status", "--json", "--database-url", db_url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert_times_are_rfc3339(doc, at_least=2)  # the log's first and last received_at
    assert doc["migration"]["up_to_date"] and doc["migration"]["current"] == doc["migration"][
        "head"]
    assert doc["log"]["events"] == 8 and doc["log"]["bytes"] > 0
    assert doc["outbox_pending"] == 2
    # The deployments go to all three handlers; the dead letters' redrive is not involved.
    assert {k: v["pending"] for k, v in doc["subscribers"].items()} == {
        "deployments": 4, "services": 4, "images": 4}
    assert all(v["oldest_pending_seconds"] >= 0 for v in doc["subscribers"].values())
    assert doc["dead_letters_open"] == 1
    assert set(doc["projection_lag_seconds"]) == {"deployments", "services", "images"}
    tables = [t["table"] for t in doc["largest_tables"]]
    assert "platform_events" in tables and len(tables) <= 8
    assert doc["retention"]["days"] == 7 and doc["retention"]["never_pruned"] == [
        "platform_events"]
    assert doc["versions"]["postgresql"]
    assert main(["status", "--database-url", db_url]) == 0
    text = capsys.readouterr().out
    assert "8 events" in text and "1 open" in text and "(up to date)" in text
    assert "deployments           4" in text


def test_status_over_http_needs_the_admin_scope(db_url, monkeypatch, make_token):
    _backlog(monkeypatch)
    resp = function_client("admin").get("/api/status")
    assert resp.status_code == 200
    assert resp.get_json()["subscribers"]["images"]["pending"] == 4
    assert_times_are_rfc3339(resp.get_json(), at_least=2)
    reader = function_client("admin", token=make_token("reader", "read"))
    assert reader.get("/api/status").status_code == 403
    assert function_client("admin", token=None).get("/api/status").status_code == 401
    assert function_client("admin").post("/api/status").status_code == 405
