"""Pages built against APIs that other versions of PTS add (GET /dora, GET /environments/
diff, dead-letter discard and `reason`): the browser's requests for
them are answered here with the documented shapes, so the rendering is checked before those
routes exist on this server. The rest of each page talks to the real `pts up`."""

from __future__ import annotations

import json
import re

import pytest

from tests.admin_ui.conftest import open_page, settled

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DORA = {"environment": "prod", "service": None, "since": "x", "until": "y",
        "deployment_frequency": {"deployments": 10, "per_day": 2.5, "deployment_days": 4},
        "lead_time_for_changes": {"count": 9, "median_seconds": 5400, "p90_seconds": 86400},
        "change_failure_rate": {"failed": 1, "total": 8, "rate": 0.125},
        "time_to_restore": {"count": 1, "median_seconds": 900}}
LETTER = {"id": 77, "received_at": "2026-11-27T10:00:00Z", "event_source": "/ci",
          "event_id": "e-77", "event_type": "dev.pts.deployment.started", "event": {"id": "e-77"},
          "error_dest": "http://h/function/deployments", "error_code": 422,
          "error_data": "Ym9vbQ==", "reason": "decoded by the server", "state": "open",
          "redriven_at": None, "redrive_count": 0, "redrive_error": None}


def _json(route, doc, status=200):
    route.fulfill(status=status, content_type="application/json", body=json.dumps(doc))


def _newer_server(page):
    """Answer as a PTS that has the newer routes would."""
    def openapi(route):
        doc = route.fetch().json()
        doc["paths"]["/dora"] = {"get": {}}
        doc["paths"]["/environments/diff"] = {"get": {}}
        for p in doc["paths"]["/deadletters"]["get"]["parameters"]:
            if p["name"] == "state":
                p["schema"]["enum"].append("discarded")
        _json(route, doc)

    page.route(re.compile(r"/function/search/openapi\.json$"), openapi)
    page.route(re.compile(r"/function/search/dora\?"), lambda r: _json(r, DORA))
    page.route(re.compile(r"/function/search/environments/diff\?"), lambda r: _json(r, {"items": [
        {"service": "api", "same": False,
         "from": {"version": "1.9.0", "image_digest": "sha256:" + "a" * 64, "commit": "abc",
                  "since": "2026-11-27T10:00:00Z"}, "to": None}]}))
    page.route(re.compile(r"/function/search/deadletters\?"), lambda r: _json(
        r, {"items": [LETTER], "next_cursor": None}))
    page.route(re.compile(r"/function/admin/api/deadletters/77/discard$"),
               lambda r: _json(r, {**LETTER, "state": "discarded"}))
    page.reload()  # what the page learnt of the server before these routes is forgotten


def test_dora_shows_the_four_keys_and_their_trend(pts, page_factory):
    w = page_factory()
    _newer_server(w.page)
    open_page(w.page, pts, "dora")
    cards = w.page.locator("section.metric")
    assert cards.count() == 4
    text = w.page.locator(".dora").inner_text()
    for value in ("2.5/day", "1h 30m", "12.5%", "15m 00s", "1 of 8 deployments failed"):
        assert value in text
    assert w.page.locator("svg.mini").count() == 4
    assert w.problems() == []


def test_environments_can_be_compared(pts, page_factory):
    w = page_factory()
    _newer_server(w.page)
    open_page(w.page, pts, "environments")
    w.page.click("section.compare button[type=submit]")
    settled(w.page)
    row = w.page.locator('table.diff tr[data-service="api"]')
    assert "1.9.0" in row.inner_text() and "not deployed" in row.inner_text()


def test_dead_letters_prefer_the_servers_reason_and_offer_discard(pts, page_factory):
    w = page_factory()
    _newer_server(w.page)
    w.page.on("dialog", lambda d: d.accept())
    open_page(w.page, pts, "deadletters")
    row = w.page.locator('tr[data-letter-id="77"]')
    assert "decoded by the server" in row.inner_text()
    row.locator("button:text('Discard')").click()
    row.locator(".badge:text-is('discarded')").wait_for()
    assert w.page.locator("#f-state option[value=discarded]").count() == 1
