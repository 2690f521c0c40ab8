"""`kill -9` of `pts up` under load: after a restart every acknowledged event is in the log,
every one is delivered, and the projections equal a replay of the log."""

from __future__ import annotations

import pytest

from tests.faults.helpers import (
    Load,
    app_conn,
    replayed_tables,
    settled,
    start,
    stored_ids,
    wait_for,
)
from tests.projections.helpers import tables

pytestmark = pytest.mark.faults


def test_kill_9_under_load_keeps_every_acknowledged_event(data):
    up = start(data)
    load = Load(up.port, threads=3, run="k9").start()
    try:
        wait_for(lambda: load.count(202) >= 100)
        up.kill()  # pts up and its workers, mid-request; PostgreSQL stays
    finally:
        load.stop()
    acknowledged = set(load.acknowledged)
    assert acknowledged and acknowledged <= stored_ids(data)
    up = start(data)
    try:
        wait_for(lambda: settled(data), timeout=45)
        with app_conn(data) as conn:
            live = tables(conn)
        assert replayed_tables(data) == live
    finally:
        up.stop()
