"""The catch-all: an unexpected exception answers 500 problem+json carrying an error id,
and the log has the traceback under that id, on one line of escaped untrusted text."""

from __future__ import annotations

import logging

import pytest

from pts.logs import escape
from tests.support.env import function_client

pytestmark = pytest.mark.faults


def test_an_unexpected_error_is_500_problem_json_with_a_logged_error_id(db_url, monkeypatch,
                                                                        caplog):
    import pts.search.app

    def broken(request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(pts.search.app, "dispatch", lambda request, routes: broken(request))
    client = function_client("search")
    with caplog.at_level(logging.ERROR, logger="pts"):
        # (A path with LF does not reach a function: Flask's routing answers 404.)
        resp = client.get("/events%0D2026-01-01 INFO forged%1B[2J")
    assert resp.status_code == 500
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    error_id = problem["error_id"]
    assert error_id in problem["detail"] and "a bug" not in problem["detail"]
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info and record.exc_info[0] is RuntimeError
    message = record.getMessage()
    assert "\r" not in message and "\n" not in message
    assert "\x1b" not in message
    assert "/events\\x0d2026-01-01 INFO forged\\x1b[2J" in message


@pytest.mark.parametrize("name", ["ingest", "deployments", "relay", "deadletter"])
def test_unknown_paths_under_a_function_are_problem_json(db_url, name):
    client = function_client(name)
    for path in ("/nope", "/robots.txt", "/favicon.ico"):
        resp = client.post(path, data=b"{}")
        assert resp.status_code == 404, (path, resp.status_code)
        assert resp.mimetype == "application/problem+json"


def test_escape_makes_one_printable_line():
    assert escape("a\r\nb\x1b[2J\u202ec\x00") == "a\\x0d\\x0ab\\x1b[2J\\u202ec\\x00"
    assert escape("\ud800") == "\\ud800"
    assert escape("x" * 500).endswith("x...") and len(escape("x" * 500)) == 303
    assert escape(42) == "42"
