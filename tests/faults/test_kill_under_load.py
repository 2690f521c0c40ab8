"""`kill -9` of `pts up` under load: after a restart every acknowledged event is in the log,
every one is delivered, and the projections equal a replay of the log."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.faults.helpers import Load, app_conn, start, stored_ids, wait_for
from tests.projections.helpers import tables
from tests.support.env import ROOT

pytestmark = pytest.mark.faults


def settled(data) -> bool:
    """Every event emitted and every delivery done (delivered or dead-lettered)."""
    with app_conn(data) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM event_emissions WHERE emitted_at IS NULL) + "
            "(SELECT count(*) FROM broker_deliveries WHERE status = 'pending')").fetchone()[0] == 0


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
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "PTS_MIGRATE_DATABASE_URL")}
        replay = subprocess.run([sys.executable, "-m", "pts.cli", "replay", "--data-dir",
                                 str(data)], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert replay.returncode == 0, replay.stderr
        with app_conn(data) as conn:
            assert tables(conn) == live
    finally:
        up.stop()
