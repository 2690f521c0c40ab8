"""Numbers are kept exactly as their value was sent: stored, searched and emitted without
rounding; what cannot be stored exactly is refused (422), never changed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pts.cloudevents.encode import to_binary
from pts.cloudevents.event import to_json
from pts.domain.envelope import validate_event
from tests.support.env import function_client

TINY = "1e-400"
LONG = "0." + "1234567890" * 400  # 4,000 digits after the point
TYPE = "dev.pts.platform.measure"


def body(n: str, id_: str = "n-1") -> str:
    return (f'{{"specversion": "1.0", "id": "{id_}", "source": "/m", "type": "{TYPE}", '
            f'"data": {{"n": {n}, "list": [{n}, 0.1, 2]}}}}')


def exact(text: str) -> Decimal:
    return json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize("number", [TINY, LONG, "-" + TINY, "123456789012345678901.5"])
def test_stored_and_searched_exactly(ingest_client, sql, number):
    resp = ingest_client.post("/", data=body(number),
                              content_type="application/cloudevents+json")
    assert resp.status_code == 202, resp.get_data(as_text=True)
    seq = resp.get_json()["events"][0]["seq"]
    stored = sql.execute("SELECT data->>'n', data->'list'->>0, data->'list'->>1 "
                         "FROM platform_events").fetchone()
    assert Decimal(stored[0]) == Decimal(number) == Decimal(stored[1])
    assert stored[2] == "0.1"
    search = function_client("search")
    one = exact(search.get(f"/events/{seq}").get_data(as_text=True))
    assert one["data"]["n"] == Decimal(number) and one["data"]["list"][0] == Decimal(number)
    listed = exact(search.get("/events?type=" + TYPE).get_data(as_text=True))
    assert listed["items"][0]["data"]["n"] == Decimal(number)
    # The same event again is a duplicate (the content hash saw the same digits).
    again = ingest_client.post("/", data=body(number),
                               content_type="application/cloudevents+json")
    assert again.get_json()["events"][0]["duplicate"] is True


def test_binary_and_plain_modes_keep_numbers(ingest_client, sql):
    binary = ingest_client.post("/", data=f'{{"n": {LONG}}}', headers={
        "ce-specversion": "1.0", "ce-id": "b-1", "ce-source": "/m", "ce-type": TYPE,
        "Content-Type": "application/json"})
    plain = ingest_client.post("/", data=f'{{"type": "{TYPE}", "id": "p-1", "n": {TINY}}}',
                               content_type="application/json")
    assert binary.status_code == plain.status_code == 202
    rows = dict(sql.execute("SELECT id, data->>'n' FROM platform_events").fetchall())
    assert Decimal(rows["b-1"]) == Decimal(LONG) and Decimal(rows["p-1"]) == Decimal(TINY)


def test_emitted_exactly():
    event = validate_event(json.loads(body(TINY), parse_float=Decimal))
    _, payload = to_binary(to_json(event))
    assert exact(payload.decode())["n"] == Decimal(TINY)


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1e-16384", "1" + "0" * 400])
def test_not_storable_exactly_is_422(ingest_client, sql, number):
    resp = ingest_client.post("/", data=body(number),
                              content_type="application/cloudevents+json")
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert "as a string" in resp.get_json()["detail"]
    assert sql.execute("SELECT count(*) FROM platform_events").fetchone()[0] == 0
