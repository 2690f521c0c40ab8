"""Dead-letter care: the reason, discard, redrive rules, and ids that name no open letter."""

from __future__ import annotations

import base64
import json

import pytest

from pts.cli import main
from pts.cloudevents.encode import to_binary
from tests.conftest import function_client

from .helpers import deployment, wait_for


def _dead_letter(i: int, answer: bytes = b"boom: image unknown", code: str = "422") -> int:
    headers, body = to_binary({
        "specversion": "1.0", "id": f"e-{i}", "source": "/test",
        "type": "dev.pts.deployment.started", "data": {"n": 1},
        "knativeerrordest": "http://h/function/deployments", "knativeerrorcode": code,
        "ptstrigger": "deployments", "knativeerrordata": base64.b64encode(answer).decode()})
    resp = function_client("deadletter").post("/", headers=headers, data=body)
    assert resp.status_code == 204


def _ids(sql, where: str = "TRUE") -> list[int]:
    return [r[0] for r in sql.execute(f"SELECT id FROM dead_letters WHERE {where} ORDER BY id")]


def test_list_shows_the_reason_and_the_api_decodes_it(db_url, sql, capsys):
    _dead_letter(1)
    _dead_letter(2, answer=b"\x00\xff\xfe binary")
    assert main(["deadletters", "list", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "REASON" in out and "boom: image unknown" in out
    items = function_client("search").get("/deadletters").get_json()["items"]
    by_id = {i["event_id"]: i for i in items}
    assert by_id["e-1"]["reason"] == "boom: image unknown"
    assert base64.b64decode(by_id["e-1"]["error_data"]) == b"boom: image unknown"
    assert by_id["e-2"]["reason"] is None and by_id["e-2"]["error_data"]
    assert {i["state"] for i in items} == {"open"} and by_id["e-1"]["failures"] == 1


def test_discard_closes_letters_and_unknown_ids_change_nothing(db_url, sql, capsys):
    for i in (1, 2, 3):
        _dead_letter(i)
    first, second, third = _ids(sql)
    assert main(["deadletters", "discard", str(first), "999", "--database-url", db_url]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "no open dead letter with id 999" in captured.err
    assert "nothing was discarded" in captured.err and captured.err.count("\n") == 1
    assert _ids(sql, "discarded_at IS NOT NULL") == []
    assert main(["deadletters", "discard", str(first), str(second),
                 "--database-url", db_url]) == 0
    assert f"discarded 2 dead letters: {first}, {second}" in capsys.readouterr().out
    assert _ids(sql, "discarded_at IS NOT NULL") == [first, second]
    # A discarded letter is no longer open: neither discard nor redrive reach it again.
    assert main(["deadletters", "redrive", str(first), "--database-url", db_url]) == 2
    assert "redriven" not in capsys.readouterr().out
    search = function_client("search")
    assert [i["id"] for i in search.get("/deadletters").get_json()["items"]] == [third]
    discarded = search.get("/deadletters?state=discarded").get_json()["items"]
    assert {i["id"] for i in discarded} == {first, second}
    assert {i["state"] for i in discarded} == {"discarded"}


def test_redrive_of_an_unknown_id_is_one_error_and_no_partial_success(db_url, sql, capsys):
    _dead_letter(1)
    (known,) = _ids(sql)
    assert main(["deadletters", "redrive", str(known), "999", "--database-url", db_url]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip() == (
        "pts: no open dead letter with id 999; nothing was redriven")
    assert sql.execute("SELECT redriven_at FROM dead_letters").fetchone()[0] is None
    assert sql.execute("SELECT count(*) FROM broker_deliveries").fetchone()[0] == 0


def test_a_redrive_that_fails_again_updates_the_same_letter(db_url, sql):
    _dead_letter(1, answer=b"first failure")
    _dead_letter(1, answer=b"first failure")  # at-least-once: a repeat changes nothing
    assert main(["deadletters", "redrive", "--database-url", db_url]) == 0
    _dead_letter(1, answer=b"second failure", code="500")  # the redriven event failed again
    rows = sql.execute("SELECT redriven_at, redrive_count, failures, error_code, error_data "
                       "FROM dead_letters").fetchall()
    assert len(rows) == 1
    redriven_at, redrives, failures, code, data = rows[0]
    assert redriven_at is None and (redrives, failures, code) == (1, 2, 500)
    assert base64.b64decode(data) == b"second failure"


def test_admin_api_redrive_and_discard(db_url, sql, make_token):
    for i in (1, 2):
        _dead_letter(i)
    first, second = _ids(sql)
    admin = function_client("admin")
    resp = admin.post(f"/api/deadletters/{first}/discard")
    assert resp.status_code == 200
    letter = resp.get_json()
    assert (letter["id"], letter["state"], letter["reason"]) == (
        first, "discarded", "boom: image unknown")
    again = admin.post(f"/api/deadletters/{first}/redrive")
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    resp = admin.post(f"/api/deadletters/{second}/redrive")
    assert resp.status_code == 200 and resp.get_json()["state"] == "redriven"
    assert sql.execute("SELECT subscriber, status FROM broker_deliveries").fetchall() == [
        ("deployments", "pending")]
    for path in ("/api/deadletters/999/discard", "/api/deadletters/x/redrive",
                 "/api/deadletters/99999999999999999999/discard"):
        missing = admin.post(path)
        assert missing.status_code == 404, path
        assert missing.content_type == "application/problem+json"
    assert admin.get(f"/api/deadletters/{second}/discard").status_code == 405
    reader = function_client("admin", token=make_token("reader", "read"))
    assert reader.post(f"/api/deadletters/{second}/discard").status_code == 403


@pytest.mark.slow
def test_through_pts_up_a_failing_subscriber_keeps_one_letter(up, sql, db_url):
    # The images handler is unreachable: every delivery to it fails and is dead-lettered.
    server = up(PTS_BROKER_SUBSCRIBERS=json.dumps({"images": "http://127.0.0.1:9/"}),
                PTS_BROKER_RETRY="0")
    body = json.dumps(deployment(1)).encode()
    assert server.request("POST", "/function/ingest", body,
                          {"Content-Type": "application/cloudevents+json"})[0] == 202
    assert wait_for(lambda: _ids(sql))
    (letter,) = _ids(sql)
    assert main(["deadletters", "redrive", str(letter), "--database-url", db_url]) == 0
    assert wait_for(lambda: sql.execute("SELECT failures FROM dead_letters").fetchone()[0] == 2)
    row = sql.execute("SELECT count(*), bool_and(redriven_at IS NULL), max(redrive_count) "
                      "FROM dead_letters").fetchone()
    assert row == (1, True, 1)
