"""Logs: one line per request with the events, JSON on demand, untrusted values escaped."""

from __future__ import annotations

import json
import logging

from pts import logs
from tests.conftest import function_client

from .helpers import batch, post_json


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "pts.http.observe"]


def test_one_info_line_per_request_with_function_status_duration_and_events(db_url, caplog):
    ingest = function_client("ingest")
    with caplog.at_level(logging.INFO):
        post_json(ingest, batch(2))
        post_json(ingest, batch(8, start=10))
        ingest.get("/")
    one, many, wrong = _request_lines(caplog)
    assert all(r.levelno == logging.INFO for r in (one, many, wrong))
    assert one.getMessage().startswith("ingest POST / 202 ")
    assert "events=(/ops/test, ev-0) (/ops/test, ev-1)" in one.getMessage()
    assert many.getMessage().endswith(" events=8")  # beyond five pairs, a count
    assert wrong.pts["status"] == 405 and wrong.pts["event_count"] == 0
    assert one.pts["function"] == "ingest" and one.pts["duration_ms"] > 0


def test_untrusted_values_cannot_forge_a_line(db_url, caplog):
    ingest = function_client("ingest")
    forged = "/x\n2026-01-01 00:00:00,000 INFO pts.request: admin DELETE / 204\x1b[2J"
    with caplog.at_level(logging.INFO):
        post_json(ingest, [{"specversion": "1.0", "type": "dev.pts.platform.x",
                            "source": forged, "id": "i\r\n"}])
    (record,) = _request_lines(caplog)
    text = logs.TextFormatter().format(record)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text
    assert "\\x0a2026-01-01" in text and "\\x1b[2J" in text


def test_escape_keeps_one_printable_line_of_bounded_length():
    assert logs.escape("a\tb\u2028c\x00") == "a\\x09b\\u2028c\\x00"
    assert len(logs.escape("x" * 1000)) == logs.MAX_LENGTH + len("...")


def test_json_lines_carry_the_request_fields(db_url, caplog):
    ingest = function_client("ingest")
    with caplog.at_level(logging.INFO):
        post_json(ingest, batch(1))
    (record,) = _request_lines(caplog)
    doc = json.loads(logs.JsonFormatter().format(record))
    assert doc["level"] == "INFO" and doc["logger"] == "pts.http.observe"
    assert doc["function"] == "ingest" and doc["status"] == 202
    assert doc["events"] == [["/ops/test", "ev-0"]] and doc["time"].endswith("Z")


def test_pts_log_format_json_configures_the_root_handler(monkeypatch):
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    monkeypatch.setenv("PTS_LOG_FORMAT", "json")
    try:
        root.handlers[:] = []  # as in a fresh `pts` process
        logs.configure("INFO")
        logs.configure("INFO")  # again: still one handler
        (handler,) = root.handlers
        assert isinstance(handler.formatter, logs.JsonFormatter)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
