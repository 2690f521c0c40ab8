"""Ingest in local mode (`pts up`): the append statement itself queues the new events in the
local broker and records them as emitted (pts.broker.emission.APPEND_QUEUED), in the rows
the hook it replaced wrote; and a request costs three waits on the server: BEGIN (psycopg
syncs after it), the append, COMMIT."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from pts.broker import triggers
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.domain.envelope import validate_event
from pts.usecases import ingest as ingest_service
from pts.usecases.wiring import ingest_hooks

TYPES = ["dev.pts.deployment.started", "dev.pts.service.health_changed",
         "dev.pts.platform.node_drained", "dev.pts.image.published"]


def event(i: int) -> dict:
    t = TYPES[i % len(TYPES)]
    data = {"dev.pts.deployment.started": {"deployment_id": f"d-{i}", "service": "api",
                                           "environment": "prod", "version": "1"},
            "dev.pts.service.health_changed": {"service": "api", "environment": "prod",
                                               "status": "healthy"},
            "dev.pts.platform.node_drained": {"node": f"n{i}"},
            "dev.pts.image.published": {"repository": "reg/app", "tag": f"v{i}",
                                        "digest": "sha256:" + f"{i:064x}"}}[t]
    return {"specversion": "1.0", "id": f"e-{i}", "source": "/ci/local", "type": t,
            "data": data}


class Traced:
    """The pool, with libpq's trace of the connection ingest uses (pool.connection())."""

    def __init__(self, pool, path: Path):
        self.pool, self.path = pool, path

    @contextlib.contextmanager
    def connection(self):
        with self.path.open("a") as out:
            conn = None
            try:
                with self.pool.connection() as conn:
                    conn.pgconn.trace(out.fileno())
                    yield conn
            finally:  # after the pool's block: its COMMIT is traced too
                if conn is not None:
                    conn.pgconn.untrace()

    def waits(self) -> int:
        """Messages the client waited on the server for: Sync (extended protocol, a
        pipeline's end) and Query (simple protocol: COMMIT)."""
        lines = self.path.read_text().splitlines()
        return sum(1 for line in lines if "\tF\t" in line and ("\tSync" in line
                                                                or "\tQuery\t" in line))


@pytest.fixture
def local(db_url, monkeypatch):
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    monkeypatch.setenv("PTS_BROKER_DISPATCH", "true")  # woken after commit: no NOTIFY
    return get_settings()


def test_the_append_queues_and_records_each_new_event(local, sql, tmp_path):
    pool = Traced(get_pool(local), tmp_path / "trace")
    first = [validate_event(event(i)) for i in range(6)]
    ingest_service.ingest(pool, first, **ingest_hooks(local))
    assert pool.waits() == 3, pool.path.read_text()  # BEGIN, the append, COMMIT
    # A second request: two stored already (duplicates: not queued again), three new.
    again = [validate_event(event(i)) for i in (4, 5, 6, 7, 8)]
    accepted = ingest_service.ingest(get_pool(local), again, **ingest_hooks(local))
    assert [a.duplicate for a in accepted] == [True, True, False, False, False]

    log = sql.execute("SELECT seq, source, id, type FROM platform_events ORDER BY seq").fetchall()
    assert [r[2] for r in log] == [f"e-{i}" for i in range(9)]
    queued = sql.execute("SELECT seq, ce_source, ce_id, ce_type, subscribers, event "
                         "FROM broker_events ORDER BY id").fetchall()
    assert queued == [(seq, source, id_, type_, triggers.matching(type_, local), None)
                      for seq, source, id_, type_ in log]  # in seq order, by reference
    deliveries = sql.execute(
        "SELECT e.seq, d.subscriber, d.kind, d.status, d.attempts FROM broker_deliveries d "
        "JOIN broker_events e ON e.id = d.event_id ORDER BY d.id").fetchall()
    assert deliveries == [(seq, sub, "trigger", "pending", 0) for seq, _, _, type_ in log
                          for sub in triggers.matching(type_, local)]
    assert len(deliveries) > len(log) - 3  # the catalog's handlers subscribe to most types
    emitted = sql.execute("SELECT seq, attempts, emitted_at IS NOT NULL, "
                          "last_attempt_at IS NOT NULL FROM event_emissions ORDER BY seq")
    assert emitted.fetchall() == [(r[0], 1, True, True) for r in log]


def test_a_conflict_leaves_nothing_queued(local, sql):
    ingest_service.ingest(get_pool(local), [validate_event(event(0))], **ingest_hooks(local))
    other = event(0)
    other["data"] = {**other["data"], "version": "2"}
    with pytest.raises(Exception, match="other content"):
        ingest_service.ingest(get_pool(local), [validate_event(event(1)),
                                                validate_event(other)], **ingest_hooks(local))
    assert sql.execute("SELECT count(*) FROM platform_events").fetchone()[0] == 1
    assert sql.execute("SELECT count(*) FROM broker_events").fetchone()[0] == 1
    assert sql.execute("SELECT count(*) FROM event_emissions").fetchone()[0] == 1


def test_without_a_dispatcher_to_wake_ingest_notifies(local, sql, monkeypatch, db_url):
    import psycopg

    from pts.db.urls import to_conninfo
    monkeypatch.setenv("PTS_BROKER_DISPATCH", "false")
    settings = get_settings()
    with psycopg.connect(to_conninfo(db_url), autocommit=True) as listener:
        listener.execute("LISTEN pts_broker")
        ingest_service.ingest(get_pool(settings), [validate_event(event(0))],
                              **ingest_hooks(settings))
        got = list(listener.notifies(timeout=2, stop_after=1))
    assert [n.channel for n in got] == ["pts_broker"]
