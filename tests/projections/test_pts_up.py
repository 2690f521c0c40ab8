"""End to end with `pts up`: events posted to ingest, then delivered to the handler
functions over HTTP as the broker would, scrambled and repeated, leave the same tables as
in-order processing."""

import json
import random

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from tests.support.env import AUTH_HEADERS
from tests.support.up import environment, up

from .helpers import deliver_all, handlers_for, tables
from .test_replay import stream

pytestmark = pytest.mark.slow


@pytest.fixture
def pts_up(db_url, tmp_path):
    """`pts up` on the test database; it inherits the test token and broker secret."""
    server = up(tmp_path / "data", "--threads", "4", token=None,
                env=environment({"DATABASE_URL": db_url}, clear=()))
    yield server
    server.close()


def post(server, path: str, headers: dict, body: bytes) -> tuple[int, bytes]:
    status, _, answer = server.request("POST", path, body, {**AUTH_HEADERS, **headers})
    return status, answer


def test_scrambled_repeated_deliveries_over_http_equal_in_order_processing(pts_up, sql):
    events = stream(15)
    status, body = post(pts_up, "/function/ingest",
                        {"Content-Type": "application/cloudevents-batch+json"},
                        json.dumps(events).encode())
    assert status == 202, body
    seqs = {(e["source"], e["id"]): e["seq"] for e in json.loads(body)["events"]}
    rng = random.Random(4)
    deliveries = [(e, h) for e in events for h in handlers_for(e["type"])]
    deliveries += rng.sample(deliveries, 20)
    rng.shuffle(deliveries)
    for i, (e, handler) in enumerate(deliveries):
        attrs = {k: v for k, v in e.items() if k != "data"}
        ce = CloudEvent({**attrs, "ptsseq": str(seqs[(e["source"], e["id"])])}, e["data"])
        headers, data = (to_binary if i % 2 else to_structured)(ce)
        status, body = post(pts_up, f"/function/{handler}", headers, data)
        assert (status, body) == (204, b""), (handler, e["type"], body)
    live = tables(sql)
    for t in live:
        sql.execute(f"DELETE FROM {t}")
    in_order = [e for _, _, e in sorted(
        (row[0], row[1], next(e for e in events if e["id"] == row[2]))
        for row in sql.execute("SELECT occurred_at, seq, id FROM platform_events"))]
    deliver_all(in_order)
    assert tables(sql) == live
    assert len(live["deployments"]) == 15 and len(live["service_transitions"]) == 15
