"""What the search API answers is what the log holds: event data passed through as
PostgreSQL stores it (every number exactly), and times read as text (by SQL for events, by
pts.search.db.TextTimeLoader for the projections' rows) written exactly as format_rfc3339
writes them, whatever the session's time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import psycopg
import pytest

from pts.domain.timefmt import format_rfc3339
from pts.search.db import TextTimeLoader
from pts.search.events import rfc3339_sql

# Numbers a double cannot hold, big integers, text needing escapes, nesting, empty values.
EXACT = ('{"tiny": 1e-400, "big": 123456789012345678901234567890.000000000000000000001, '
         '"huge": 1e300, "int": 98765432109876543210987654321, "tenth": 0.1, '
         '"neg": -1.5e-7, "text": "caf\\u00e9 \\u2028 \\n\\t \\"q\\" \\\\ /", '
         '"nested": {"a": [1, 2.50, {"b": null}], "e": [], "o": {}}, "t": true, "f": false}')


def _exact(text: str) -> object:
    return json.loads(text, parse_float=Decimal)


def test_event_data_is_passed_through_exactly(search, sql):
    seq = sql.execute(
        "INSERT INTO platform_events (id, source, type, specversion, subject, data, "
        "extensions, received_at, occurred_at, service, environment, content_hash) "
        "VALUES ('x-1', '/t', 'dev.pts.deployment.started', '1.0', 'd-x', %s::jsonb, "
        "'{\"traceparent\": \"00-1\"}', now(), now(), 'api', 'prod', 'h') RETURNING seq",
        [EXACT]).fetchone()[0]
    sql.execute("INSERT INTO platform_events (id, source, type, specversion, received_at, "
                "occurred_at, content_hash) VALUES ('x-2', '/t', 'dev.pts.x', '1.0', now(), "
                "now(), 'h')")
    stored = sql.execute("SELECT data::text FROM platform_events WHERE seq = %s",
                         [seq]).fetchone()[0]
    page = search.get("/events?source=/t")
    assert page.status_code == 200
    items = _exact(page.get_data(as_text=True))["items"]
    assert [i["id"] for i in items] == ["x-2", "x-1"]
    assert items[0]["data"] is None and items[0]["extensions"] == {}
    assert items[1]["data"] == _exact(stored) == _exact(EXACT)
    assert items[1]["extensions"] == {"traceparent": "00-1"}
    assert stored in page.get_data(as_text=True)  # the stored text itself, unchanged
    one = _exact(search.get(f"/events/{seq}").get_data(as_text=True))
    assert one == items[1]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_times_as_text_are_format_rfc3339s(db_url, zone):
    from pts.db.pool import get_pool

    values = [datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
              datetime(2026, 11, 27, 9, 0, 0, 500000, tzinfo=UTC),
              datetime(2026, 11, 27, 9, 0, 0, 1, tzinfo=UTC),
              datetime(2026, 11, 27, 9, 0, 0, 120000, tzinfo=timezone(timedelta(hours=-3))),
              datetime(99, 1, 1, 0, 0, 59, 999999, tzinfo=UTC),
              datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC),
              datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    expected = [format_rfc3339(v) for v in values]
    with get_pool().connection() as conn:
        conn.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        try:
            cur = conn.cursor()
            cur.adapters.register_loader("timestamptz", TextTimeLoader)
            loaded = [cur.execute("SELECT %s::timestamptz", [v]).fetchone()[0] for v in values]
            by_sql = [conn.execute(f"SELECT {rfc3339_sql('t')} FROM (SELECT %s::timestamptz "
                                   "AS t) AS x", [v]).fetchone()[0] for v in values]
            null = conn.execute(f"SELECT {rfc3339_sql('NULL::timestamptz')}").fetchone()[0]
        finally:
            conn.execute("RESET TimeZone")
            conn.commit()
    assert loaded == expected
    assert by_sql == expected
    assert null is None


def test_text_times_keep_cursors_as_they_were(search, platform):
    # The deployments' cursor holds its time key as datetime.isoformat() wrote it.
    first = search.get("/deployments?limit=1").get_json()
    second = search.get(f"/deployments?limit=1&cursor={first['next_cursor']}").get_json()
    assert second["items"] and second["items"][0] != first["items"][0]
    assert first["items"][0]["first_event_at"].endswith("Z")


def test_a_bad_time_text_is_refused_not_guessed(db_url):
    loader = TextTimeLoader(psycopg.postgres.types["timestamptz"].oid)
    with pytest.raises(psycopg.DataError):
        loader.load(b"not a time")


def _deployment(did: str, start: str, end: str, **extra) -> list[dict]:
    base = {"specversion": "1.0", "source": "/answers", "subject": did}
    data = {"deployment_id": did, "service": "api", "environment": "prod", **extra}
    return [{**base, "id": f"{did}/s", "type": "dev.pts.deployment.started", "time": start,
             "data": {**data, "version": "1"}},
            {**base, "id": f"{did}/e", "type": "dev.pts.deployment.succeeded", "time": end,
             "data": data}]


def test_the_deployments_list_answers_each_deployment_as_its_own_route_does(search, db_url):
    """The list is written by PostgreSQL (row_to_json), the single deployment by Python: the
    same fields, order, types and values (a whole duration stays a float: 300.0)."""
    from tests.support.search_data import project

    project([*_deployment("w", "2026-11-01T10:00:00Z", "2026-11-01T10:05:00Z"),
             *_deployment("f", "2026-11-01T11:00:00.25Z", "2026-11-01T11:00:01.5Z",
                          commit="c\u00e9 \"q\" \\", image="reg/api:1@sha256:" + "a" * 64),
             *_deployment("m", "2026-11-01T12:00:00.000001Z", "2026-11-02T12:00:00Z")])
    listed = search.get("/deployments?limit=2").get_json()
    listed["items"] += search.get(f"/deployments?cursor={listed['next_cursor']}").get_json()[
        "items"]
    assert [d["deployment_id"] for d in listed["items"]] == ["m", "f", "w"]
    for item in listed["items"]:
        one = search.get(f"/deployments/{item['deployment_id']}").get_json()
        del one["events"]
        assert list(item) == list(one) and item == one
        assert [type(v) for v in item.values()] == [type(v) for v in one.values()]
    durations = [d["duration_seconds"] for d in listed["items"]]
    assert durations == [86399.999999, 1.25, 300.0] and all(type(d) is float for d in durations)
