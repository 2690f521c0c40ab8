"""Take the README's screenshots of the admin page: `uv run python -m tests.admin_ui.screenshots`.

Starts `pts up` on a fresh data directory, posts `pts demo`, makes one dead letter, then
saves each page at desktop width, plus phone and dark variants, to docs/screenshots/.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from pts import routing
from pts.demo.world import demo_events
from tests.admin_ui.conftest import (
    CHROMIUM,
    Chaos,
    Watched,
    admin_url,
    api,
    open_page,
    run_demo,
    sign_in,
    wait_settled,
)
from tests.support.env import ROOT, TEST_TOKEN
from tests.support.up import Served, environment, stop_postgres
from tests.support.up import up as pts_up

OUT = ROOT / "docs" / "screenshots"
DESKTOP = [("environments", "environments"), ("events", "events"),
           ("deployments", "deployments"), ("services/api", "service"),
           ("services", "services"), ("images", "images"), ("dora", "dora"),
           ("deadletters", "deadletters"), ("admin", "tokens")]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    chaos = Chaos()
    routes = {**{h: list(f) for h, f in routing.ROUTES.items()},
              "chaos": ["dev.pts.platform.chaos."]}
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        up = pts_up(Path(tmp) / "data", env=environment({
            "PTS_ADMIN_TOKEN": TEST_TOKEN, "PTS_BROKER_ROUTES": json.dumps(routes),
            "PTS_BROKER_SUBSCRIBERS": json.dumps({"chaos": chaos.url})}))
        try:
            assert run_demo(up, end.isoformat()).returncode == 0
            ids = {e["data"]["deployment_id"] for e in demo_events(end)
                   if e["type"].startswith("dev.pts.deployment.")}
            wait_settled(up, len(ids))
            up.request("POST", "/function/ingest", json.dumps({
                "type": "platform.chaos.backup", "source": "/backup/nightly", "id": "b-1",
                "target": "s3://backups"}).encode(), {"Content-Type": "application/json"})
            time.sleep(3)
            shoot(up)
        finally:
            up.close()
            stop_postgres(Path(tmp) / "data")
            chaos.server.shutdown()
    print(f"screenshots in {OUT}")
    return 0


def shoot(up: Served) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        for scheme, width, height, routes in (
                ("light", 1280, 860, DESKTOP),
                ("dark", 1280, 860, [("environments", "environments-dark"),
                                     ("deployments", "deployments-dark")]),
                ("light", 390, 844, [("environments", "environments-phone"),
                                     ("events", "events-phone")])):
            ctx = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme=scheme, device_scale_factor=1)
            page = ctx.new_page()
            watched = Watched(page)
            sign_in(page, up)
            for route, name in routes:
                open_page(page, up, route)
                page.screenshot(path=str(OUT / f"{name}.png"))
            if scheme == "light" and width > 1000:
                dep = api(up, "/deployments?status=rolled_back&limit=1")["items"][0]
                open_page(page, up, "deployments/" + dep["deployment_id"])
                page.screenshot(path=str(OUT / "deployment.png"))
                open_page(page, up, "events")
                page.locator("ol.log > li button.line").nth(1).click()
                page.wait_for_timeout(400)
                page.screenshot(path=str(OUT / "event-detail.png"))
            problems = watched.problems()
            if problems:
                print("problems:", problems, file=sys.stderr)
            ctx.close()
        browser.close()
    print(admin_url(up))


if __name__ == "__main__":
    sys.exit(main())
