"""The database killed under load: while it is down every request answers 503 problem+json
with Retry-After within 1 s, the service recovers by itself, and nothing acknowledged is lost
(docs/reliability.md, Database supervision)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.faults.helpers import Load, postmaster, start, stored_ids, wait_for

pytestmark = pytest.mark.faults


def test_killing_the_database_under_load_loses_nothing_and_fails_fast(data):
    up = start(data)
    load = Load(up.port, threads=3, run="db").start()
    try:
        wait_for(lambda: load.count(202) >= 50)
        killed_at = time.monotonic()
        os.kill(postmaster(data), signal.SIGKILL)
        wait_for(lambda: load.count(503) >= 1, timeout=20)
        wait_for(lambda: any(a[0] == 202 and a[3] > killed_at + 0.5 for a in load.answers)
                 and load.count(202) >= 100, timeout=40)  # recovered, by itself
    finally:
        load.stop()
        up.stop()
    assert load.errors == 0  # the server itself never stopped answering
    others = [a for a in load.answers if a[0] != 202]
    assert others and {a[0] for a in others} == {503}
    for _, headers, took, _ in others:
        assert headers["Content-Type"] == "application/problem+json"
        assert int(headers["Retry-After"]) >= 1
        assert took < 1.0
    assert load.acknowledged <= stored_ids(data)
    assert "Traceback" not in up.log.read_text()
    assert up.log.read_text().count("the database is unreachable") <= 2  # once per worker
