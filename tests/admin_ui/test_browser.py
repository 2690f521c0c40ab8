"""The admin page in headless Chromium, against `pts up` filled by `pts demo`."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from pts.domain.timefmt import format_rfc3339
from tests.admin_ui.conftest import (
    CHAOS_REASON,
    api,
    api_all,
    open_page,
    run_demo,
    settled,
    sign_in,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ["environments", "events", "deployments", "services", "services/api", "images",
         "dora", "deadletters", "admin"]


def test_a_second_demo_run_is_all_duplicates(pts, demo_end):
    done = run_demo(pts, demo_end.isoformat())
    assert done.returncode == 0 and ": 0 new, " in done.stdout, done.stdout + done.stderr
    # Without --end (an hour later than the stored demo): it finds that demo and repeats it.
    later = run_demo(pts, None)
    assert later.returncode == 0, later.stdout + later.stderr
    assert f"the demo ending {format_rfc3339(demo_end)} is already stored" in later.stdout
    assert ": 0 new, " in later.stdout
    # With no token at all, it makes one in the local database and prints it for the page.
    anon = run_demo(pts, demo_end.isoformat(), "--data-dir", str(pts.data_dir), token=None)
    assert anon.returncode == 0, anon.stdout + anon.stderr
    assert "created token 'demo' (scopes ingest, read)" in anon.stdout
    token = anon.stdout.split("admin page:\n")[1].split()[0]
    status, _, _ = pts.request("GET", "/function/search/events?limit=1",
                               headers={"Authorization": f"Bearer {token}"})
    assert status == 200


def test_every_page_loads_without_console_errors_or_csp_violations(pts, page_factory):
    w = page_factory()
    status, headers, _ = pts.request("GET", "/function/admin/")
    assert status == 200 and "unsafe-inline" not in headers["Content-Security-Policy"]
    some = api(pts, "/deployments?limit=1")["items"][0]["deployment_id"]
    for route in [*PAGES, f"deployments/{urllib.parse.quote(some)}"]:
        open_page(w.page, pts, route)
        assert not w.page.query_selector(".state.error"), route
        assert w.page.locator("#view h1").count() >= 1, route
        assert w.problems() == [], route
    # Nothing in the markup or the scripts sets a style attribute the CSP would refuse.
    assert w.page.evaluate("document.querySelectorAll('[style]').length") == 0


def test_the_matrix_shows_the_versions_the_api_reports(pts, page_factory):
    w = page_factory()
    open_page(w.page, pts, "environments")
    cells = api_all(pts, "/environments")
    assert len(cells) == 15  # 5 services x 3 environments
    for c in cells:
        td = w.page.locator(f'td[data-service="{c["service"]}"]'
                            f'[data-environment="{c["environment"]}"]')
        assert td.count() == 1
        assert td.get_attribute("data-version") == (c["version"] or "")
        assert c["version"] in td.inner_text()
    # A cell links to its deployment.
    first = cells[0]
    w.page.click(f'td[data-service="{first["service"]}"][data-environment='
                 f'"{first["environment"]}"] .version a')
    w.page.wait_for_selector("section.card h2:text('Timeline')")
    assert urllib.parse.unquote(w.page.url).endswith("#/deployments/" + first["deployment_id"])


def _lines(page):
    return page.locator("ol.log > li")


def _apply(page):
    page.click("form.filters button[type=submit]")
    settled(page)


def test_filters_narrow_the_log(pts, page_factory):
    w = page_factory()
    page = w.page
    open_page(page, pts, "events")
    assert _lines(page).count() == 50
    page.fill("#f-type", "dev.pts.deployment.failed")
    _apply(page)
    failed = api(pts, "/events?type=dev.pts.deployment.failed&limit=1000")["items"]
    assert 0 < _lines(page).count() == min(len(failed), 50)
    assert set(page.locator("ol.log .c-type").all_inner_texts()) == {"deployment.failed"}
    page.fill("#f-service", "api")
    _apply(page)
    api_failed = [e for e in failed if e["service"] == "api"]
    assert _lines(page).count() == len(api_failed) > 0
    assert set(page.locator("ol.log .c-svc").all_inner_texts()) == {"api"}
    assert "type=dev.pts.deployment.failed" in page.url and "service=api" in page.url
    # A data field, path=value, as the API's data.<path>=<value>.
    reason = api_failed[0]["data"]["reason"]
    page.fill("#f-data", f"reason={reason}")
    _apply(page)
    same = [e for e in api_failed if e["data"].get("reason") == reason]
    assert _lines(page).count() == len(same) > 0
    # A relative period: the events of the last 24 h, as the API counts them.
    page.click("form.filters button:text('Clear')")
    page.wait_for_timeout(300)
    page.select_option("#f-period", "24h")
    settled(page)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
    recent = api(pts, f"/events?since={since}&limit=1000")["items"]
    assert _lines(page).count() == min(len(recent), 50) or page.locator(".state.empty").count()


def test_a_bad_filter_shows_the_problem_and_clears_the_results(pts, page_factory):
    page = page_factory().page
    open_page(page, pts, "events?since=2026-11-20T00:00:00Z&until=2026-11-10T00:00:00Z")
    error = page.locator(".state.error")
    assert error.count() == 1 and "since" in error.inner_text()
    assert "since is after until" in error.inner_text()  # the problem's errors, shown
    assert _lines(page).count() == 0
    open_page(page, pts, "deployments?period=30d")
    assert page.locator("tr[data-deployment-id]").count() > 0
    page.fill("#f-commit", "x" * 1100)  # longer than the API allows
    _apply(page)
    assert page.locator(".state.error").count() == 1
    assert "commit" in page.locator(".state.error").inner_text()
    assert page.locator("tr[data-deployment-id]").count() == 0  # stale rows gone


def test_infinite_scroll_and_the_event_detail(pts, page_factory):
    page = page_factory().page
    open_page(page, pts, "events")
    assert _lines(page).count() == 50
    page.locator("button.more").scroll_into_view_if_needed()
    wait_until(page, "document.querySelectorAll('ol.log > li').length >= 100")
    seqs = [int(s) for s in page.eval_on_selector_all("ol.log > li",
                                                      "l => l.map(e => e.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    # The detail view: every attribute and the data.
    page.locator("ol.log > li button.line").nth(3).click()
    dialog = page.locator("dialog#detail")
    dialog.wait_for(state="visible")
    event = api(pts, f"/events/{seqs[3]}")
    text = dialog.inner_text()
    assert event["id"] in text and event["source"] in text and str(event["seq"]) in text
    assert json.dumps(event["data"], indent=2).splitlines()[1].strip() in text
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


def test_the_live_tail_shows_new_events(pts, page_factory):
    page = page_factory().page
    open_page(page, pts, "events?live=1")
    top = page.locator("ol.log > li").first.get_attribute("data-seq")
    status, _, body = pts.request("POST", "/function/ingest", json.dumps({
        "type": "platform.backup.completed", "source": "/test/live", "id": f"live-{time.time()}",
        "size_gb": 12}).encode(), {"Content-Type": "application/json"})
    assert status == 202, body
    wait_until(page, f"document.querySelector('ol.log > li').dataset.seq > {top}", timeout=15)
    assert "platform.backup.completed" in page.locator("ol.log > li").first.inner_text()


def test_deployments_list_filters_paging_chart_and_timeline(pts, page_factory):
    page = page_factory().page
    open_page(page, pts, "deployments")
    rows = page.locator("tr[data-deployment-id]")
    assert rows.count() == 50
    page.click("button.more")
    wait_until(page, "document.querySelectorAll('tr[data-deployment-id]').length > 50")
    assert page.locator("svg.chart rect").count() > 20  # bars of the per-day chart
    page.select_option("#f-status", "rolled_back")
    settled(page)
    rolled = api_all(pts, "/deployments?status=rolled_back")
    ids = page.eval_on_selector_all("tr[data-deployment-id]",
                                    "r => r.map(e => e.dataset.deploymentId)")
    assert sorted(ids) == sorted(d["deployment_id"] for d in rolled) and ids
    assert page.locator("tr[data-deployment-id] .mark.rollback").count() == len(ids)
    rows.first.locator("td").nth(3).click()  # anywhere on the row opens it
    page.wait_for_selector("svg.timeline")
    detail = api(pts, "/deployments/" + urllib.parse.quote(ids[0]))
    assert page.locator("svg.timeline circle").count() == len(detail["events"])
    assert page.locator("ol.steps button.step").count() >= len(detail["events"])


def test_service_and_image_detail_views(pts, page_factory):
    page = page_factory().page
    open_page(page, pts, "services")
    page.click("table.services a:text-is('api')")
    page.wait_for_selector("svg.bands")
    assert page.locator("svg.bands rect").count() > 3
    assert page.locator("table.deployments tr[data-deployment-id]").count() > 0
    open_page(page, pts, "images?service=api")
    assert page.locator("table.images tbody tr").count() > 0
    page.locator("table.images button:text('History')").first.click()
    dialog = page.locator("dialog#detail")
    dialog.wait_for(state="visible")
    assert "Where it ran" in dialog.inner_text()


def test_dead_letter_redrive(pts, page_factory, chaos):
    status, _, body = pts.request("POST", "/function/ingest", json.dumps({
        "type": "platform.chaos.test", "source": "/test/chaos", "id": "chaos-1",
        "note": "refused by its subscriber"}).encode(), {"Content-Type": "application/json"})
    assert status == 202, body
    deadline = time.monotonic() + 30
    while not (letters := api(pts, "/deadletters?type=dev.pts.platform.chaos.test")["items"]):
        assert time.monotonic() < deadline, "no dead letter"
        time.sleep(0.3)
    letter = letters[0]
    chaos.refuse = False
    page = page_factory().page
    open_page(page, pts, "deadletters")
    row = page.locator(f'tr[data-letter-id="{letter["id"]}"]')
    assert CHAOS_REASON.decode() in row.inner_text()  # error_data, decoded
    assert row.locator("button:text('Discard')").count() == 1  # this server can discard
    row.locator("button:text('Redrive')").click()
    row.locator(".badge:text-is('redriven')").wait_for()
    deadline = time.monotonic() + 15
    while not any(r["id"] == "chaos-1" for r in chaos.received[1:]):
        assert time.monotonic() < deadline, "the redriven event never arrived"
        time.sleep(0.2)
    assert api(pts, "/deadletters?state=redriven")["items"][0]["id"] == letter["id"]


def test_the_token_is_asked_once_per_tab_and_a_bad_one_is_explained(pts, page_factory):
    w = page_factory(signed_in=False)
    page = w.page
    page.goto(f"{pts.base}/function/admin/")
    page.fill("#token", "pts_not-a-real-token-000000000000")
    page.click("form.login button[type=submit]")
    page.locator(".state.error").wait_for()
    assert "401" in page.locator(".state.error").inner_text()
    assert page.evaluate("sessionStorage.length") == 0  # a refused token is not kept
    sign_in(page, pts)
    page.reload()
    page.wait_for_selector("body.signed-in")
    assert page.locator("form.login").count() == 0
    assert page.evaluate("document.cookie") == "" and page.evaluate("localStorage.length") == 0
    page.click("#logout")
    page.wait_for_selector("form.login")
    assert page.evaluate("sessionStorage.length") == 0


@pytest.mark.parametrize("route", PAGES)
def test_phone_width_has_no_horizontal_scroll(pts, page_factory, route):
    page = page_factory(width=390, height=844).page
    open_page(page, pts, route)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, route


def test_keyboard_reaches_the_pages_and_the_dark_theme_applies(pts, page_factory):
    page = page_factory(scheme="dark").page
    open_page(page, pts, "environments")
    page.reload()  # Tab from the start of a fresh document
    settled(page)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 19, 26)"
    for _ in range(12):  # the skip link, the brand, Environments, Event log, ...
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.page") == "deployments":
            break
    else:
        pytest.fail("Tab never reached the Deployments link")
    page.keyboard.press("Enter")
    page.wait_for_selector("tr[data-deployment-id]")


def test_tokens_and_webhooks_are_managed_from_the_page(pts, page_factory):
    page = page_factory().page
    page.on("dialog", lambda d: d.accept())
    open_page(page, pts, "admin")
    page.fill("#tok-name", "ci-reader")
    page.click("section.card:has(h2:text('Tokens')) button[type=submit]")
    secret = page.locator(".secret").first
    secret.wait_for()
    token = secret.locator("code").inner_text()
    status, _, _ = pts.request("GET", "/function/search/events?limit=1",
                               headers={"Authorization": f"Bearer {token}"})
    assert status == 200  # the new read token works
    reader = page_factory(signed_in=False).page
    sign_in(reader, pts, token)
    assert reader.locator("#nav-admin").is_hidden()  # no admin page for a read token
    open_page(reader, pts, "deadletters")
    assert reader.locator("button:text('Redrive')").count() == 0
    hooks = page.locator("section.card:has(h2:text('Webhooks'))")
    page.fill("#wh-name", "github-main")
    page.select_option("#wh-kind", "github")
    hooks.locator("button[type=submit]").click()
    hooks.locator(".secret").wait_for()
    assert "github-main" in hooks.locator("table").inner_text()
    assert "/function/webhooks/" in hooks.locator(".secret").inner_text()
    hooks.locator("tr:has-text('github-main') button:text('Delete')").click()
    hooks.locator(".state.empty").wait_for()
    row = page.locator("tr:has-text('ci-reader')")
    row.locator("button:text('Revoke')").click()
    row.wait_for(state="detached")
    status, _, _ = pts.request("GET", "/function/search/events?limit=1",
                               headers={"Authorization": f"Bearer {token}"})
    assert status == 401
