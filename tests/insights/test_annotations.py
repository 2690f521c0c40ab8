"""GET /annotations: flat rows as Grafana's Infinity data source reads them (time and
timeEnd in epoch milliseconds, title, text, comma-separated tags)."""

from __future__ import annotations

from .helpers import at, deployment, ev, get, post

HISTORY = [
    *deployment("d1", "api", at(2, "10:00"), at(2, "10:05"), version="1.0",
                image="ghcr.io/acme/api:1.0", commit="abc1"),
    ev("deployment.rolled_back", at(2, "12:30"), deployment_id="d1", service="api",
       environment="prod", reason="errors up"),
    *deployment("d2", "api", at(2, "11:00"), None, environment="staging", version="1.1"),
    ev("deployment.failed", at(2, "11:03"), deployment_id="d2", service="api",
       environment="staging", reason="image pull backoff"),
    *deployment("d3", "web", at(2, "12:00"), None, version="2.0"),  # still running
]
# 2026-11-02T00:00:00Z is 20759 days after 1970-01-01: 1793577600000 ms.
DAY = 1793577600000
H = 3600 * 1000
D1 = {"time": DAY + 10 * H, "timeEnd": DAY + 10 * H + 5 * 60000,
      "title": "api 1.0 to prod rolled_back",
      "text": "api 1.0 to prod: rolled_back (deployment d1)\ncommit: abc1\n"
              "image: ghcr.io/acme/api:1.0\nreason: errors up",
      "tags": "pts,deployment,prod,api,rolled_back,rollback"}
D2 = {"time": DAY + 11 * H, "timeEnd": DAY + 11 * H + 3 * 60000,
      "title": "api 1.1 to staging failed",
      "text": "api 1.1 to staging: failed (deployment d2)\nreason: image pull backoff",
      "tags": "pts,deployment,staging,api,failed"}
D3 = {"time": DAY + 12 * H, "timeEnd": DAY + 12 * H, "title": "web 2.0 to prod started",
      "text": "web 2.0 to prod: started (deployment d3)",
      "tags": "pts,deployment,prod,web,started"}
WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-03T00:00:00Z"}


def test_rows_have_the_shape_infinity_reads(db_url):
    post(HISTORY)
    rows = get("/annotations", **WINDOW)
    assert rows == [D3, D2, D1]  # newest first
    for row in rows:
        assert list(row) == ["time", "timeEnd", "title", "text", "tags"]
        assert isinstance(row["time"], int) and isinstance(row["timeEnd"], int)
        assert row["timeEnd"] >= row["time"]


def test_filters(db_url):
    post(HISTORY)
    assert get("/annotations", environment="prod", **WINDOW) == [D3, D1]
    assert get("/annotations", service="api", **WINDOW) == [D2, D1]
    assert get("/annotations", since=at(2, "11:00"), until=WINDOW["until"]) == [D3, D2]
    assert get("/annotations", until=at(2, "11:00"), since=WINDOW["since"]) == [D1]
    assert get("/annotations", limit="1", **WINDOW) == [D3]


def test_bad_parameters(db_url):
    problem = get("/annotations", 400, limit="0", since="2026-11-03T00:00:00Z",
                  until="2026-11-01T00:00:00Z")
    assert {e["parameter"] for e in problem["errors"]} == {"limit"}
    problem = get("/annotations", 400, since="2026-11-03T00:00:00Z",
                  until="2026-11-01T00:00:00Z")
    assert [e["parameter"] for e in problem["errors"]] == ["since"]
