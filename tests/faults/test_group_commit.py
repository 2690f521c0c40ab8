"""Group commit: requests that arrive while a commit is in flight go in one transaction, each
answered as if it had run alone; a request that conflicts fails alone."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest

from pts import eventlog as event_log
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.db.urls import to_conninfo
from pts.domain.envelope import validate_event
from pts.eventing import emit
from pts.usecases.group_commit import committer_for
from pts.usecases.ingest import Stored
from tests.support.env import function_client
from tests.support.wait import wait_for

pytestmark = pytest.mark.faults

BATCH = "application/cloudevents-batch+json"


def ce(i: int, version: str = "1.0") -> dict:
    return {"specversion": "1.0", "type": "dev.pts.deployment.started", "source": "/ci/group",
            "id": f"e-{i}", "data": {"deployment_id": f"d-{i}", "service": "api",
                                     "environment": "prod", "version": version}}


def lock_waiters(sql) -> int:
    return sql.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()").fetchone()[0]


def _held_group(db_url, sql, bodies: list[list[dict]]) -> tuple[dict, list]:
    """Hold the committer busy (its first request waits on a row another transaction is
    storing), post `bodies` meanwhile from other threads, then let everything go. The
    first request's answer, and each body's (status, answer)."""
    other = psycopg.connect(to_conninfo(db_url))
    first: list = []
    answers: list = [None] * len(bodies)
    try:
        held = validate_event(ce(0))
        [(seq, _)] = [(a.seq, a) for a in event_log.append(other, [held]).values()]
        emit.record(other, [Stored(seq, held)])
        leader = threading.Thread(target=lambda: first.append(
            function_client("ingest").post("/", data=json.dumps([ce(0)]), content_type=BATCH)))
        leader.start()
        wait_for(lambda: lock_waiters(sql) > 0, timeout=5.0)

        def post(k: int) -> None:
            resp = function_client("ingest").post("/", data=json.dumps(bodies[k]),
                                                  content_type=BATCH)
            answers[k] = (resp.status_code, resp.get_json())

        followers = [threading.Thread(target=post, args=(k,)) for k in range(len(bodies))]
        for t in followers:
            t.start()
        # They queue behind the one in flight: none of them reaches the database yet.
        committer = committer_for(get_pool(get_settings()))
        wait_for(lambda: committer.waiting() == len(bodies), timeout=10.0)
        assert lock_waiters(sql) == 1
        other.commit()
        leader.join(10)
        for t in followers:
            t.join(10)
    finally:
        other.close()
    return first[0].get_json(), answers


def test_requests_waiting_for_a_commit_are_stored_in_one_transaction(db_url, sql):
    bodies = [[ce(1)], [ce(2), ce(3)], [ce(4)], [ce(5)]]
    first, answers = _held_group(db_url, sql, bodies)
    assert first["events"][0]["duplicate"] is True  # the other transaction stored it first
    assert [status for status, _ in answers] == [202] * 4
    assert all(not e["duplicate"] for _, body in answers for e in body["events"])
    rows = dict(sql.execute("SELECT id, xmin::text FROM platform_events").fetchall())
    assert len({rows[f"e-{i}"] for i in range(1, 6)}) == 1  # one transaction for all four
    assert len(rows) == 6
    emitted = {r[0] for r in sql.execute("SELECT seq FROM event_emissions")}
    assert emitted == set(sql.execute("SELECT seq FROM platform_events").fetchall()[i][0]
                          for i in range(6))


def test_a_conflicting_request_fails_alone(db_url, sql):
    sql.execute("INSERT INTO platform_events (id, source, type, specversion, data, "
                "occurred_at, content_hash) VALUES ('e-9', '/ci/group', "
                "'dev.pts.deployment.started', '1.0', '{}', now(), 'other')")
    bodies = [[ce(1)], [ce(2), ce(9)], [ce(3)]]
    _, answers = _held_group(db_url, sql, bodies)
    assert [status for status, _ in answers] == [202, 409, 202]
    ids = {r[0] for r in sql.execute("SELECT id FROM platform_events")}
    assert ids == {"e-0", "e-1", "e-3", "e-9"}  # nothing of the conflicting request


def test_the_same_event_in_two_waiting_requests_is_new_to_exactly_one(db_url, sql):
    bodies = [[ce(1), ce(2)], [ce(2)], [ce(2), ce(3)]]
    _, answers = _held_group(db_url, sql, bodies)
    assert [status for status, _ in answers] == [202] * 3
    fresh = [e["id"] for _, body in answers for e in body["events"] if not e["duplicate"]]
    assert sorted(fresh) == ["e-1", "e-2", "e-3"]
    seqs = {e["id"]: e["seq"] for _, body in answers for e in body["events"]}
    stored = dict(sql.execute("SELECT id, seq FROM platform_events").fetchall())
    assert all(stored[k] == v for k, v in seqs.items())


def test_a_batch_over_the_alone_limit_commits_while_a_group_is_in_flight(db_url, sql):
    """PTS_GROUP_COMMIT_ALONE_ABOVE (50 by default): a bigger request does not queue behind
    the group in flight; it commits in its own transaction meanwhile."""
    batch = [ce(i) for i in range(100, 160)]  # 60 events: over the default 50
    answered: list = []
    poster = threading.Thread(target=lambda: answered.append(function_client(
        "ingest").post("/", data=json.dumps(batch), content_type=BATCH)))
    first: list = []
    leader = threading.Thread(target=lambda: first.append(
        function_client("ingest").post("/", data=json.dumps([ce(0)]), content_type=BATCH)))
    other = psycopg.connect(to_conninfo(db_url))
    try:
        held = validate_event(ce(0))
        [(seq, _)] = [(a.seq, a) for a in event_log.append(other, [held]).values()]
        emit.record(other, [Stored(seq, held)])
        leader.start()
        wait_for(lambda: lock_waiters(sql) > 0, timeout=5.0)
        poster.start()
        poster.join(10)
        # Answered, committed, while the leader's transaction still waits.
        assert answered, "the batch queued behind the group in flight"
        resp = answered[0]
        assert resp.status_code == 202
        assert [e["duplicate"] for e in resp.get_json()["events"]] == [False] * len(batch)
        assert lock_waiters(sql) == 1
    finally:
        other.commit()
        other.close()
        for thread in (leader, poster):
            if thread.ident is not None:  # started
                thread.join(10)
    assert first[0].status_code == 202
    stored = sql.execute("SELECT count(*) FROM platform_events WHERE source = '/ci/group'")
    assert stored.fetchone()[0] == len(batch) + 1
