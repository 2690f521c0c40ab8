"""`kill -9` of `pts up` with partitioned in-process batches (`PTS_BROKER_PARTITIONS=2`), in
the middle of batches of both partitions: after a restart every acknowledged event is
delivered to every handler, and the projections equal a replay of the log."""

from __future__ import annotations

import threading

import pytest

from tests.faults.helpers import (
    app_conn,
    deployment,
    post,
    replayed_tables,
    settled,
    start,
    stored_ids,
    wait_for,
)
from tests.projections.helpers import tables

pytestmark = pytest.mark.faults

PARTS = {"PTS_BROKER_PARTITIONS": "2"}


def _batch(n: int) -> list[dict]:
    """100 events over 20 services (both partitions): deployments and health changes."""
    out = []
    for i in range(100):
        e = deployment(n * 100 + i, run="p")
        e["service"] = f"svc-{i % 20}"
        if i % 2:
            e = {"type": "service.health_changed", "source": "/ci/faults", "id": f"h-{n}-{i}",
                 "service": e["service"], "environment": e["environment"],
                 "status": ("healthy", "degraded")[n % 2], "time": e["time"]}
        out.append(e)
    return out


def test_kill_9_mid_batch_with_two_partitions_loses_nothing(data):
    up = start(data, **PARTS)
    acknowledged: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        n = 0
        while not stop.is_set() and n < 400:
            batch = _batch(n)
            try:
                status, *_ = post(up.port, batch, timeout=10)
            except OSError:
                return  # killed
            if status == 202:
                acknowledged.update(e["id"] for e in batch)
            n += 1

    poster = threading.Thread(target=load, daemon=True)
    poster.start()
    try:
        def busy() -> bool:  # acknowledged, and batches of the handlers applied meanwhile
            with app_conn(data) as conn:
                return len(acknowledged) >= 1500 and conn.execute(
                    "SELECT count(*) FROM broker_deliveries WHERE status = 'delivered'"
                ).fetchone()[0] > 0
        wait_for(busy, timeout=60)
        up.kill()  # pts up, its workers and the broker's process, mid-batch; PostgreSQL stays
    finally:
        stop.set()
        poster.join(15)
    assert acknowledged and acknowledged <= stored_ids(data)
    up = start(data, **PARTS)
    try:
        wait_for(lambda: settled(data), timeout=60)
        with app_conn(data) as conn:
            undelivered = conn.execute(
                "SELECT count(*) FROM broker_deliveries WHERE status <> 'delivered'"
            ).fetchone()[0]
            live = tables(conn)
        assert undelivered == 0
        assert replayed_tables(data) == live
    finally:
        up.stop()
