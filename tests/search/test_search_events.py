"""GET /events and /events/{seq} on a known data set: each filter, combinations, order,
pagination (also while events arrive), cursor tampering, and 400s naming the parameter."""

from __future__ import annotations

import pytest

from tests.support.search_data import put


def names(resp, known):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    by_seq = {seq: name for name, seq in known.items()}
    return [by_seq[e["seq"]] for e in resp.get_json()["items"]]


ALL = ["late", "maintenance", "web_degraded", "d2_failed", "d2_started", "d1_succeeded",
       "d1_started", "image"]


@pytest.mark.parametrize("query, expected", [
    ("", ALL),
    ("type=dev.pts.deployment.started", ["d2_started", "d1_started"]),
    ("type=dev.pts.deployment.*", ["d2_failed", "d2_started", "d1_succeeded", "d1_started"]),
    ("type=dev.pts.*", ALL),
    ("type=*", ALL),
    ("type=dev.pts.deployment", []),
    ("type=dev.pts.service.*", ["late", "web_degraded"]),
    ("source=/monitor", ["late", "web_degraded"]),
    ("subject=d-1", ["d1_succeeded", "d1_started"]),
    ("service=api", ["d2_failed", "d2_started", "d1_succeeded", "d1_started", "image"]),
    ("environment=prod", ["late", "web_degraded", "d1_succeeded", "d1_started"]),
    ("service=api&environment=staging", ["d2_failed", "d2_started"]),
    # event time: the late arrival happened at 08:00, the undated event at its receipt
    ("since=2026-11-01T11:00:00Z", ["maintenance", "web_degraded", "d2_failed", "d2_started"]),
    ("until=2026-11-01T10:00:00Z", ["late", "image"]),
    ("since=2026-11-01T10:00:00Z&until=2026-11-01T11:00:00Z", ["d1_succeeded", "d1_started"]),
    ("since=2026-11-01T12:00:00%2B01:00", ["maintenance", "web_degraded", "d2_failed",
                                           "d2_started"]),
    ("received_since=2026-11-01T13:00:00Z", ["late", "maintenance"]),
    ("received_until=2026-11-01T10:01:00Z", ["image"]),
    ("q=backoff", ["d2_failed"]),
    ("q=image%20pull", ["d2_failed"]),
    ("q=%22pull%20image%22", []),
    ("q=%22image%20pull%22", ["d2_failed"]),
    ("q=latency%20or%20backoff", ["web_degraded", "d2_failed"]),
    ("q=17", ["d1_started"]),
    ("q=ghcr.io/acme/api", ["image"]),  # a path-like string is one word
    ("data.pipeline.name=ci", ["d1_started"]),
    ("data.pipeline.run_id=17", ["d1_started"]),
    ("data.replicas=3", ["maintenance"]),
    ("data.done=true", ["maintenance"]),
    ("data.tags=rack-3", ["maintenance"]),
    ("data.status=degraded&data.environment=prod", ["web_degraded"]),
    ("data.status=healthy", []),
    ("type=dev.pts.deployment.*&environment=prod&since=2026-11-01T10:01:00Z",
     ["d1_succeeded"]),
    ("service=web&q=latency&source=/monitor&subject=web", ["web_degraded"]),
])
def test_filters(search, known, query, expected):
    assert names(search.get(f"/events?{query}"), known) == expected


def test_event_has_every_attribute(search, known):
    items = search.get("/events?subject=d-1&limit=1").get_json()["items"]
    assert items[0] == search.get(f"/events/{known['d1_succeeded']}").get_json()
    event = items[0]
    assert event["type"] == "dev.pts.deployment.succeeded"
    assert event["time"] == "2026-11-01T10:05:00Z"
    assert event["received_at"] == "2026-11-01T10:06:00Z"
    assert event["occurred_at"] == "2026-11-01T10:05:00Z"
    assert event["data"] == {"deployment_id": "d-1", "service": "api", "environment": "prod"}
    assert {"id", "source", "specversion", "subject", "datacontenttype", "dataschema",
            "extensions", "data_base64", "service", "environment", "content_hash"} <= set(event)


def test_undated_event_occurred_at_receipt(search, known):
    event = search.get(f"/events/{known['maintenance']}").get_json()
    assert event["time"] is None
    assert event["occurred_at"] == event["received_at"] == "2026-11-01T13:00:00Z"


def test_one_event_errors(search, known):
    assert search.get("/events/999999").status_code == 404
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999"):
        resp = search.get(f"/events/{bad}")
        assert resp.status_code == 400, bad
        assert resp.content_type == "application/problem+json"
        assert resp.get_json()["errors"][0]["parameter"] == "seq"
    assert search.get(f"/events/{known['image']}?x=1").status_code == 400


def test_pages_cover_everything_once(search, known):
    seen, url = [], "/events?limit=3"
    while url:
        body = search.get(url).get_json()
        assert len(body["items"]) <= 3
        seen += [e["seq"] for e in body["items"]]
        url = body["next_cursor"] and f"/events?limit=3&cursor={body['next_cursor']}"
    assert seen == sorted(known.values(), reverse=True)


def test_pagination_while_events_arrive(search, known, sql):
    first = search.get("/events?limit=3&type=dev.pts.*").get_json()
    seen = [e["seq"] for e in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        # A new event, and one whose event time is older than everything, arrive each page.
        put(sql, "service.started", {"service": "x", "environment": "prod"},
            received_at="2026-11-02T00:00:00Z", subject=f"new-{len(seen)}")
        put(sql, "service.stopped", {"service": "x", "environment": "prod"},
            time="2020-01-01T00:00:00Z", received_at="2026-11-02T00:00:00Z",
            subject=f"old-{len(seen)}")
        body = search.get(f"/events?limit=3&type=dev.pts.*&cursor={cursor}").get_json()
        seen += [e["seq"] for e in body["items"]]
        cursor = body["next_cursor"]
    # Exactly the events stored when the first page was read, each once, newest first.
    assert seen == sorted(known.values(), reverse=True)


def test_last_page_has_no_cursor(search, known):
    body = search.get("/events?limit=8").get_json()
    assert len(body["items"]) == 8 and body["next_cursor"] is None
    assert search.get("/events?limit=7").get_json()["next_cursor"] is not None


def _cursor(search):
    return search.get("/events?limit=2&service=api").get_json()["next_cursor"]


def test_cursor_tampering_answers_400(search, known):
    good = _cursor(search)
    assert search.get(f"/events?limit=2&service=api&cursor={good}").status_code == 200
    body, tag = good.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    import base64
    import json
    forged = base64.urlsafe_b64encode(json.dumps({"v": 1, "q": "x", "k": [10**30]}).encode())
    for bad in (f"{flipped}.{tag}", f"{body}.{tag[:-1]}", body, "", "...", "%00",
                f"{forged.decode()}.{tag}", "x" * 5000, f"{body}.{tag}.{tag}", "é.é"):
        resp = search.get(f"/events?limit=2&service=api&cursor={bad}")
        assert resp.status_code == 400, (bad, resp.get_data(as_text=True))
        assert resp.get_json()["errors"][0]["parameter"] == "cursor"


def test_cursor_belongs_to_its_filters(search, known):
    good = _cursor(search)
    resp = search.get(f"/events?limit=2&service=web&cursor={good}")
    assert resp.status_code == 400
    assert "other filters" in resp.get_json()["errors"][0]["message"]
    # limit may change between pages
    assert search.get(f"/events?limit=5&service=api&cursor={good}").status_code == 200


def test_cursor_of_another_installation(search, known, monkeypatch):
    good = _cursor(search)
    monkeypatch.setenv("PTS_SEARCH_CURSOR_SECRET", "another")
    assert search.get(f"/events?limit=2&service=api&cursor={good}").status_code == 400


@pytest.mark.parametrize("query, parameter", [
    ("colour=red", "colour"),
    ("limit=0", "limit"),
    ("limit=1001", "limit"),
    ("limit=ten", "limit"),
    ("limit=-1", "limit"),
    ("since=yesterday", "since"),
    ("until=2026-11-01", "until"),
    ("received_since=2026-11-01T10:00Z", "received_since"),
    ("since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", "since"),
    ("type=a&type=b", "type"),
    ("service=", "service"),
    ("service=a%00b", "service"),
    ("q=" + "w" * 2000, "q"),
    ("data.=x", "data."),
    ("data.a..b=x", "data.a..b"),
    ("data.a=x%00", "data.a"),
])
def test_bad_parameters_answer_400_naming_them(search, known, query, parameter):
    resp = search.get(f"/events?{query}")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.content_type == "application/problem+json"
    assert parameter in [e["parameter"] for e in resp.get_json()["errors"]]


def test_all_bad_parameters_named_at_once(search, known):
    errors = search.get("/events?limit=0&since=x&nope=1").get_json()["errors"]
    assert {e["parameter"] for e in errors} == {"limit", "since", "nope"}


def test_odd_but_valid_values(search, known):
    for query in ("q=!!!", "q=%26%7C%21", "data.x=NaN", "data.x=1e999", "data.x=null",
                  "type=%F4%8F%BF%BF*", "type=%ED%9F%BF*", "subject=%27%3B%20drop"):
        assert search.get(f"/events?{query}").status_code == 200, query


def test_read_only_and_unknown_routes(search, known):
    resp = search.post("/events", json={})
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET"
    resp = search.get("/nothing")
    assert resp.status_code == 404 and resp.content_type == "application/problem+json"


def test_a_query_without_words_matches_nothing(search, known):
    assert names(search.get("/events?q=!!!"), known) == []


def test_head_is_get_without_a_body(search, known):
    resp = search.head("/events?limit=1")
    assert resp.status_code == 200 and resp.get_data() == b""


def test_openapi_documents_every_route_and_parameter(search):
    from pts.search.app import ROUTES

    doc = search.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {r.path for r in ROUTES}
    for route in ROUTES:
        op = doc["paths"][route.path]["get"]
        documented = {p["name"] for p in op["parameters"]}
        assert documented >= {p.name for p in route.params + route.path_params}
        assert "400" in op["responses"]
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert schema.rsplit("/", 1)[1] in doc["components"]["schemas"]
    assert search.get("/openapi.json?x=1").status_code == 400
