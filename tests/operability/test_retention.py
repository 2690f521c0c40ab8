"""Retention: finished work is pruned, pending work and the log never; the projections stay
equal to a replay of the log; growth per event drops to the log's own size."""

from __future__ import annotations

import json

import pytest

from pts.cli import main
from tests.conftest import function_client

from .helpers import batch, logical_bytes, post_json, wait_for
from .test_deadletters import _dead_letter

PRUNED = ("broker_events", "broker_deliveries", "event_emissions")


def _counts(sql) -> dict[str, int]:
    return {t: sql.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (*PRUNED, "platform_events", "dead_letters")}


def test_pending_work_and_open_letters_are_never_pruned(db_url, sql, monkeypatch, capsys):
    monkeypatch.setenv("PTS_EMIT_MODE", "local")  # queued for the handlers; no dispatcher
    assert post_json(function_client("ingest"), batch(6)).status_code == 202
    for i in (1, 2, 3):
        _dead_letter(i)
    letters = [r[0] for r in sql.execute("SELECT id FROM dead_letters ORDER BY id")]
    assert main(["deadletters", "discard", str(letters[0]), "--database-url", db_url]) == 0
    assert main(["deadletters", "redrive", str(letters[1]), "--database-url", db_url]) == 0
    before = _counts(sql)
    assert main(["prune", "--database-url", db_url]) == 0  # all younger than 7 days
    assert _counts(sql) == before
    assert main(["prune", "--days", "0", "--database-url", db_url]) == 0
    after = _counts(sql)
    # Emitted outbox rows and closed letters go; queued deliveries and their events stay.
    assert after["event_emissions"] == 0 and after["platform_events"] == 6
    assert after["broker_deliveries"] == before["broker_deliveries"] > 0
    assert after["broker_events"] == 6 - 2 + 1  # platform events have no delivery; the
    # redrive queued a new copy of its event
    assert [r[0] for r in sql.execute("SELECT id FROM dead_letters")] == [letters[2]]
    assert main(["prune", "--days", "-1", "--database-url", db_url]) == 2
    capsys.readouterr()


def _settled(sql) -> bool:
    return sql.execute("SELECT (SELECT count(*) FROM broker_deliveries WHERE status = "
                       "'pending') + (SELECT count(*) FROM event_emissions WHERE emitted_at "
                       "IS NULL) = 0").fetchone()[0]


def _post(server, events) -> None:
    for i in range(0, len(events), 10):
        status, _, body = server.request("POST", "/function/ingest",
                                         json.dumps(events[i:i + 10]).encode(),
                                         {"Content-Type": "application/cloudevents-batch+json"})
        assert status == 202, body


def _heap_bytes(sql) -> int:
    return sum(sql.execute("SELECT pg_relation_size(%s)", (t,)).fetchone()[0] for t in PRUNED)


@pytest.mark.slow
def test_pruning_keeps_the_log_and_the_projections_and_stops_the_growth(up, sql, db_url,
                                                                        capsys):
    from tests.projections.helpers import tables

    n = 60
    server = up("--threads", "4")
    _post(server, batch(n))
    assert wait_for(lambda: _settled(sql), timeout=120)
    server.stop()
    log_before = sql.execute("SELECT * FROM platform_events ORDER BY seq").fetchall()
    projections = tables(sql)
    log_per_event = logical_bytes(sql, "platform_events") / n
    work_per_event = sum(logical_bytes(sql, t) for t in PRUNED) / n
    # Before pruning, the broker's copy, its deliveries and the outbox row cost about as
    # much again as the event itself: the database grows at about twice the log's rate.
    assert work_per_event > 0.5 * log_per_event, (work_per_event, log_per_event)

    assert main(["prune", "--days", "0", "--database-url", db_url]) == 0
    assert "platform_events" not in capsys.readouterr().out
    assert sum(logical_bytes(sql, t) for t in PRUNED) == 0
    assert sql.execute("SELECT * FROM platform_events ORDER BY seq").fetchall() == log_before
    assert tables(sql) == projections
    # The projections still equal a replay of the (whole) log.
    assert main(["replay", "--database-url", db_url]) == 0
    assert tables(sql) == projections

    # A second round, pruned by `pts up` itself (every half second here): the pruned
    # tables end empty, so the database grows by the log's own size per event.
    sql.execute(f"VACUUM {', '.join(PRUNED)}")
    heap_after_first = _heap_bytes(sql)
    log_bytes_first = logical_bytes(sql, "platform_events")
    server = up("--threads", "4", PTS_RETENTION_DAYS="0", PTS_RETENTION_INTERVAL="0.5")
    _post(server, batch(n, start=n))
    assert wait_for(lambda: _settled(sql) and _counts(sql)["broker_deliveries"] == 0
                    and _counts(sql)["event_emissions"] == 0 and
                    _counts(sql)["broker_events"] == 0, timeout=120), _counts(sql)
    server.stop()
    assert "pruned work finished before" in server.log.read_text()
    sql.execute(f"VACUUM {', '.join(PRUNED)}")
    grown_log = (logical_bytes(sql, "platform_events") - log_bytes_first) / n
    grown_work = sum(logical_bytes(sql, t) for t in PRUNED) / n
    assert grown_work == 0 and grown_log == pytest.approx(log_per_event, rel=0.2)
    assert _heap_bytes(sql) <= heap_after_first + 3 * 8192, (
        _heap_bytes(sql), heap_after_first)
