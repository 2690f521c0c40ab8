"""Browser tests of the admin page: `pts up` in a subprocess, filled by `pts demo`, driven by
Playwright with Debian's Chromium (no browser download; .ci/run installs `chromium`).

One `pts up` serves every test of this folder. Besides the real handlers, its broker routes
`dev.pts.platform.chaos.*` to a little HTTP subscriber of this process, which refuses them
(400) until a test lets it accept: that is how a real dead letter is made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pts import routing
from tests.support.env import ROOT, TEST_TOKEN
from tests.support.up import Served, environment, migrated_copy, stop_postgres
from tests.support.up import up as pts_up

CHROMIUM = os.environ.get("PTS_CHROMIUM", "/usr/bin/chromium")
CHAOS_REASON = b"chaos: refusing on purpose"


class Chaos:
    """The chaos subscriber: refuses with 400 while `refuse`, records what it receives."""

    def __init__(self):
        self.refuse = True
        self.received: list[dict] = []
        chaos = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                chaos.received.append({"id": self.headers.get("ce-id"), "body": body})
                status, answer = (400, CHAOS_REASON) if chaos.refuse else (200, b"")
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def api(up: Served, path: str) -> dict:
    """GET a search API path with the admin token."""
    status, _, body = up.request("GET", "/function/search" + path)
    assert status == 200, body
    return json.loads(body)


def api_all(up: Served, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        doc = api(up, path + sep + "limit=1000" + (f"&cursor={cursor}" if cursor else ""))
        items += doc["items"]
        cursor = doc["next_cursor"]
        if not cursor:
            return items


def run_demo(up: Served, end: str | None, *extra: str,
             token: str | None = TEST_TOKEN) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PTS_")}
    args = [*(["--token", token] if token else []), *(["--end", end] if end else []), *extra]
    return subprocess.run([sys.executable, "-m", "pts.cli", "demo", "--url", up.base, *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def wait_settled(up: Served, deployments: int, timeout: float = 120) -> None:
    """Until the handlers have projected every demo deployment and the matrix holds still."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        count = len(api_all(up, "/deployments"))
        matrix = api_all(up, "/environments")
        if count == deployments and matrix == last:
            return
        last = matrix
        time.sleep(1)
    raise AssertionError(f"projections did not settle: {count} of {deployments} deployments")


@pytest.fixture(scope="session")
def chaos():
    c = Chaos()
    yield c
    c.server.shutdown()


@pytest.fixture(scope="session")
def demo_end():
    """An hour before the default --end, so that a run without --end meets the stored demo
    with other times (and must find and repeat it)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture(scope="session")
def pts(chaos, demo_end):
    """`pts up` holding the demo platform; yields the Served handle."""
    from pts.demo.world import demo_events

    routes = {**{h: list(f) for h, f in routing.ROUTES.items()},
              "chaos": ["dev.pts.platform.chaos."]}
    # Not pytest's tmp_path: the embedded server runs as its own user, and pytest's base
    # folder is private to root (as in tests/eventing/test_up_e2e.py).
    base = Path(tempfile.mkdtemp(prefix="pts-admin-ui-"))
    data_dir = migrated_copy(base / "data")
    up = pts_up(data_dir, env=environment({
        "PTS_ADMIN_TOKEN": TEST_TOKEN, "PTS_BROKER_ROUTES": json.dumps(routes),
        "PTS_BROKER_SUBSCRIBERS": json.dumps({"chaos": chaos.url}),
        "PTS_BROKER_RETRY": "1", "PTS_BROKER_BACKOFF_DELAY": "0.05"}))
    try:
        done = run_demo(up, demo_end.isoformat())
        assert done.returncode == 0, done.stderr
        events = demo_events(demo_end)
        ids = {e["data"]["deployment_id"] for e in events
               if e["type"].startswith("dev.pts.deployment.")}
        wait_settled(up, len(ids))
        yield up
    finally:
        up.close()
        stop_postgres(data_dir)  # left running when close() had to kill
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


class Watched:
    """A page with its console errors, page errors, CSP violations and failed responses."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.failed: list[tuple[int, str]] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("response", lambda r: self.failed.append((r.status, r.url))
                if r.status >= 400 else None)
        # Violations are reported as console errors too; this catches those that are not.
        page.add_init_script("window.__csp = []; document.addEventListener("
                             "'securitypolicyviolation', e => window.__csp.push("
                             "e.violatedDirective + ' ' + e.blockedURI));")

    def problems(self) -> list[str]:
        """Every console error, failed request and CSP violation so far."""
        csp = self.page.evaluate("window.__csp || []")
        return (self.errors + [f"failed: {s} {u}" for s, u in self.failed]
                + [f"CSP: {c}" for c in csp])


@pytest.fixture
def page_factory(browser, pts):
    contexts = []

    def make(width=1280, height=900, scheme="light", signed_in=True) -> Watched:
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme)
        contexts.append(ctx)
        watched = Watched(ctx.new_page())
        if signed_in:
            sign_in(watched.page, pts)
        return watched

    yield make
    for ctx in contexts:
        ctx.close()


def admin_url(up: Served, route: str = "") -> str:
    return f"{up.base}/function/admin/" + (f"#/{route}" if route else "")


def sign_in(page, up: Served, token: str = TEST_TOKEN) -> None:
    page.goto(admin_url(up))
    page.fill("#token", token)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("body.signed-in")


def wait_until(page, expression: str, timeout: float = 10) -> None:
    """Poll a JavaScript expression until it is true. (page.wait_for_function evaluates a
    string in the page, which the admin page's CSP rightly refuses: no 'unsafe-eval'.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {expression}"
        page.wait_for_timeout(100)


def settled(page) -> None:
    """Wait until the page has drawn: something in the view, nothing left loading."""
    wait_until(page, "!!document.querySelector('#view > *') && "
                     "!document.querySelector('.state.loading')")
    page.wait_for_timeout(250)


def open_page(page, up: Served, route: str) -> None:
    """Go to a route and wait until it has drawn."""
    page.goto(admin_url(up, route))
    settled(page)


def read_url(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()
