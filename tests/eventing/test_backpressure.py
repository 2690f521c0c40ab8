"""`pts up`'s backpressure: while a projection handler is far behind, ingest waits before it
appends (bounded per request, never refusing), and the handlers' lag is seen by every
worker (a map shared over fork)."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from pts.broker import backlog, inprocess
from pts.db.pool import get_pool
from tests.eventing.helpers import deployment, local_settings


@pytest.fixture(autouse=True)
def fresh_map():
    backlog.share()  # nothing noted yet
    yield
    backlog.share()


def _settings(monkeypatch, lag="0.5", wait="0.3"):
    monkeypatch.setenv("PTS_BROKER_DISPATCH", "true")  # as in a `pts up` worker
    monkeypatch.setenv("PTS_BACKPRESSURE_LAG", lag)
    monkeypatch.setenv("PTS_BACKPRESSURE_WAIT", wait)
    return local_settings(monkeypatch)


def test_ingest_waits_while_a_handler_is_behind_then_appends(ingest_client, sql, monkeypatch):
    _settings(monkeypatch, wait="0.4")
    backlog.note("services", 3.0)  # a batch started 3 s behind
    start = time.monotonic()
    resp = ingest_client.post("/", json=deployment(1))
    assert time.monotonic() - start >= 0.4  # waited its most, then appended anyway
    assert resp.status_code == 202
    assert sql.execute("SELECT count(*) FROM platform_events").fetchone()[0] == 1


def test_no_wait_within_the_bound_when_stale_or_switched_off(monkeypatch):
    settings = _settings(monkeypatch)
    backlog.note("deployments", 0.4)
    assert backlog.pace(settings) == 0.0  # within the bound
    backlog.note("deployments", 9.0)
    assert backlog.lag() == 9.0
    assert backlog.lag(now=time.monotonic() + backlog.FRESH + 1) == 0.0  # a stale note
    assert backlog.pace(_settings(monkeypatch, lag="0")) == 0.0  # off
    assert backlog.note("not-a-projection", 9.0) is None  # ignored, not an error


def test_the_wait_ends_when_the_handler_catches_up(monkeypatch):
    settings = _settings(monkeypatch, wait="10")
    backlog.note("images", 5.0)
    threading.Timer(0.2, backlog.note, ("images", 0.1)).start()
    waited = backlog.pace(settings)
    assert 0.2 <= waited < 5  # not the whole 10 s


def _note_in_child():
    backlog.note("deployments", 7.0)


def test_a_note_made_in_another_worker_is_seen():
    child = multiprocessing.get_context("fork").Process(target=_note_in_child)
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert backlog.lag() == 7.0


def test_a_batch_notes_how_long_its_oldest_delivery_waited(ingest_client, sql, monkeypatch):
    settings = local_settings(monkeypatch)
    for i in range(2):
        assert ingest_client.post("/", json=deployment(i)).status_code == 202
    sql.execute("UPDATE broker_deliveries SET next_attempt_at = now() - interval '4 seconds' "
                "WHERE subscriber = 'deployments'")
    assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 2
    assert 4.0 <= backlog.lag() < 60
    assert inprocess.apply_due(get_pool(), "deployments", 10, settings) == 0
    assert backlog.lag() == 0.0  # nothing due: caught up
