"""A new connection of a search process answers the common searches once before any request
gets it (pts.search.warm, through pts.db.pool.on_connect): a fresh backend's first statements
load its catalog caches, which under load cost requests 100 ms and more."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pts.config import get_settings
from pts.db import pool as db_pool
from pts.db.urls import to_conninfo
from pts.search.warm import PATHS, warm
from tests.support.search_data import search_client


def _syncs(trace: Path) -> int:
    return sum(1 for line in trace.read_text().splitlines() if "\tSync" in line)


def test_warm_runs_every_common_search_and_leaves_the_connection_idle(db_url, platform,
                                                                      tmp_path):
    trace = tmp_path / "trace"
    with psycopg.connect(to_conninfo(db_url)) as conn, trace.open("w") as out:
        conn.pgconn.trace(out.fileno())
        try:
            assert warm(conn) == len(PATHS)
        finally:
            conn.pgconn.untrace()
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.autocommit is False
        assert conn.execute("SELECT current_setting('transaction_read_only')").fetchone() == (
            "off",)  # the search's read-only setup did not outlive its batches
    assert _syncs(trace) >= len(PATHS)  # each route's statements went to the server


def test_the_search_function_warms_each_new_pooled_connection(db_url, platform, monkeypatch):
    search_client()  # loading the function registers its warm-up
    assert warm in db_pool._on_connect
    ran: list[int] = []
    monkeypatch.setattr(db_pool, "_on_connect", [
        *db_pool._on_connect, lambda conn: ran.append(conn.info.backend_pid)])
    db_pool.close_for(db_url)  # a new pool: its first connection is a new one
    with db_pool.get_pool(get_settings()).connection() as conn:
        pid = conn.info.backend_pid
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        # Warmed before it was handed out. The pool may open a second connection meanwhile
        # (a README run saw one: [474, 473]); each connection is warmed once.
        assert pid in ran
    assert len(ran) == len(set(ran))
    # Requests are answered as ever on the warmed connection.
    resp = search_client().get("/services/api")
    assert resp.status_code == 200, resp.get_json()


def test_a_failing_warm_up_loses_no_connection(db_url, monkeypatch):
    def broken(conn):
        conn.execute("BEGIN")
        conn.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(db_pool, "_on_connect", [broken])
    db_pool.close_for(db_url)
    with db_pool.get_pool(get_settings()).connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize("path", PATHS)
def test_every_warm_up_path_is_a_valid_request(db_url, path):
    # What warm sends is what a client may send: answered (200 or 404), never refused.
    assert search_client().get(path).status_code in (200, 404)
