"""The projection routes on a platform projected by the real handlers: deployments,
services, images, the environment matrix (now and at past times), dead letters."""

from __future__ import annotations

import pytest

from tests.support.search_data import API, A, B

T = "2026-11-01T{}:00Z".format


def items(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["items"]


def ids(resp, key="deployment_id"):
    return [i[key] for i in items(resp)]


@pytest.mark.parametrize("query, expected", [
    ("", ["d5", "d4", "d3", "d2", "d1"]),
    ("environment=prod", ["d5", "d4", "d3", "d1"]),
    ("service=api&environment=prod", ["d4", "d3", "d1"]),
    ("status=failed", ["d3"]),
    ("status=started", ["d5"]),
    ("status=rolled_back", ["d4"]),
    ("version=1.1", ["d4", "d3", "d2"]),
    ("commit=abc", ["d1"]),
    ("commit=bcd2222", ["d4", "d3", "d2"]),
    (f"image_digest={B}", ["d4", "d3", "d2"]),
    (f"image_repository={API}", ["d4", "d3", "d2", "d1"]),
    ("actor=ann&service=web", ["d5"]),
    (f"since={T('12:00')}", ["d5", "d4", "d3"]),
    (f"since={T('11:00')}&until={T('13:00')}", ["d3", "d2"]),
    ("rollback=true", ["d4"]),
    ("rollback=false&service=api", ["d3", "d2", "d1"]),
    ("current=true", ["d2", "d1"]),
    ("status=failed&since=2026-11-02T00:00:00Z", []),
])
def test_deployment_filters(search, platform, query, expected):
    assert ids(search.get(f"/deployments?{query}")) == expected


def test_failed_deployments_say_why(search, platform):
    (d3,) = items(search.get(f"/deployments?status=failed&since={T('00:00')}"))
    assert d3["reason"] == "image pull backoff" and d3["finished_at"] == T("12:04")
    assert d3["duration_seconds"] == 240.0


def test_deployment_timeline(search, platform):
    resp = search.get("/deployments/d4")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "rolled_back" and body["rolled_back_to_version"] == "1.0"
    assert [e["type"].rsplit(".", 1)[1] for e in body["events"]] == [
        "started", "succeeded", "rolled_back"]
    assert [e["occurred_at"] for e in body["events"]] == [T("13:00"), T("13:05"), T("14:00")]
    assert search.get("/deployments/nope").status_code == 404
    assert search.get("/deployments/d4?verbose=1").status_code == 400


def test_environments_now(search, platform):
    cells = {(c["service"], c["environment"]): c for c in items(search.get("/environments"))}
    assert list(cells) == [("api", "prod"), ("web", "prod"), ("api", "staging")]
    api = cells[("api", "prod")]
    assert (api["version"], api["deployment_id"], api["image_digest"]) == ("1.0", "d1", A)
    assert api["since"] == T("14:00")
    assert (api["last_deployment_id"], api["last_deployment_status"]) == ("d4", "rolled_back")
    web = cells[("web", "prod")]
    assert (web["version"], web["state"], web["health"]) == ("2.0", "running", "healthy")
    assert (web["last_deployment_id"], web["last_deployment_status"]) == ("d5", "started")
    assert cells[("api", "staging")]["image_digest"] == B


@pytest.mark.parametrize("clock, version, deployment, last, health", [
    ("09:59", None, None, None, None),
    ("10:02", None, None, ("d1", "started"), None),
    ("10:05", "1.0", "d1", ("d1", "succeeded"), None),
    ("12:10", "1.0", "d1", ("d3", "failed"), None),
    ("12:40", "1.0", "d1", ("d3", "failed"), "degraded"),
    ("13:30", "1.1", "d4", ("d4", "succeeded"), "healthy"),
    ("14:30", "1.0", "d1", ("d4", "rolled_back"), "healthy"),
])
def test_what_ran_in_prod_at_a_given_time(search, platform, clock, version, deployment, last,
                                          health):
    cells = {c["service"]: c for c in
             items(search.get(f"/environments?environment=prod&at={T(clock)}"))}
    api = cells.get("api", {})
    assert (api.get("version"), api.get("deployment_id")) == (version, deployment)
    got_last = (api["last_deployment_id"], api["last_deployment_status"]) if last else None
    assert (got_last if api else None) == last
    assert cells["web"]["health"] == health
    assert cells["web"]["state"] == "running"


def test_services(search, platform):
    services = items(search.get("/services"))
    assert [s["service"] for s in services] == ["api", "web"]
    api = services[0]
    assert (api["owner"], api["tier"]) == ("team-a", "1")
    assert [e["environment"] for e in api["environments"]] == ["prod", "staging"]
    assert ids(search.get("/services?health=healthy"), "service") == ["web"]
    assert ids(search.get("/services?environment=staging"), "service") == ["api"]
    assert ids(search.get("/services?owner=team-a"), "service") == ["api"]
    assert ids(search.get("/services?decommissioned=true"), "service") == []


def test_what_a_service_did(search, platform):
    web = search.get("/services/web").get_json()
    assert [(t["kind"], t["to_value"], t["at"]) for t in web["transitions"]][:2] == [
        ("health", "healthy", T("12:45")), ("health", "degraded", T("12:30"))]
    assert [d["deployment_id"] for d in web["deployments"]] == ["d5"]
    assert web["environments"][0]["version"] == "2.0"
    assert search.get("/services/nope").status_code == 404


def test_where_an_image_digest_ran(search, platform):
    (image,) = items(search.get(f"/images?digest={A}"))
    assert (image["repository"], image["published_at"], image["commit"]) == (
        API, T("09:10"), "abc1111")
    assert [t["tag"] for t in image["tags"]] == ["1.0"]
    assert [(r["service"], r["environment"], r["from_at"]) for r in image["runs"]][0] == (
        "api", "prod", T("10:05"))
    assert ids(search.get("/images?tag=1.1"), "digest") == [B]
    assert ids(search.get("/images?environment=staging"), "digest") == [B]
    assert ids(search.get(f"/images?repository={API}"), "digest") == [A, B]
    assert ids(search.get("/images?service=nobody"), "digest") == []


@pytest.mark.parametrize("route, key", [
    ("/deployments", "deployment_id"), ("/services", "service"), ("/images", "digest"),
    ("/environments", "service"), ("/environments?at=2026-11-01T16:00:00Z", "service"),
])
def test_pages(search, platform, route, key):
    full = items(search.get(route))
    sep = "&" if "?" in route else "?"
    seen, url = [], f"{route}{sep}limit=1"
    while url:
        body = search.get(url).get_json()
        seen += body["items"]
        url = body["next_cursor"] and f"{route}{sep}limit=1&cursor={body['next_cursor']}"
    assert seen == full and len(full) >= 2
    cursor = search.get(f"{route}{sep}limit=1").get_json()["next_cursor"]
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    assert search.get(f"{route}{sep}limit=1&cursor={tampered}").status_code == 400
    assert search.get(f"{route}{sep}limit=1&cursor=abc").status_code == 400


def test_cursor_of_another_route_is_refused(search, platform):
    cursor = search.get("/deployments?limit=1").get_json()["next_cursor"]
    assert search.get(f"/services?limit=1&cursor={cursor}").status_code == 400


@pytest.mark.parametrize("url, parameter", [
    ("/deployments?status=ok", "status"), ("/deployments?rollback=yes", "rollback"),
    ("/deployments?since=noon", "since"), ("/services?tier=1&tier=2", "tier"),
    ("/images?digest=", "digest"), ("/environments?at=2026", "at"),
    ("/deadletters?state=closed", "state"), ("/deployments?colour=red", "colour"),
])
def test_projection_parameters_400(search, db_url, url, parameter):
    resp = search.get(url)
    assert resp.status_code == 400
    assert parameter in [e["parameter"] for e in resp.get_json()["errors"]]


def test_deadletters(search, db_url):
    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.usecases.deadletters import store

    with get_pool(get_settings()).connection() as conn:
        for i in range(3):
            store(conn, {"specversion": "1.0", "source": "/test", "id": f"e{i}",
                         "type": "dev.pts.deployment.started", "data": {"n": i},
                         "knativeerrordest": "http://deployments", "knativeerrorcode": "422",
                         "knativeerrordata": "bad data"})
        conn.execute("UPDATE dead_letters SET redriven_at = now() WHERE event_id = 'e0'")
    assert [d["event_id"] for d in items(search.get("/deadletters"))] == ["e2", "e1"]
    assert len(items(search.get("/deadletters?state=all"))) == 3
    (e0,) = items(search.get("/deadletters?state=redriven"))
    assert (e0["error_code"], e0["error_dest"], e0["event"]["data"]) == (
        422, "http://deployments", {"n": 0})
    page = search.get("/deadletters?limit=1").get_json()
    assert search.get(f"/deadletters?limit=1&cursor={page['next_cursor']}").get_json()[
        "items"][0]["event_id"] == "e1"
