"""The search function's database access: every statement read-only with a statement
timeout. Batched (the routes whose statements all go through pts.search.db): each batch in
one round trip (setup, statements and Sync together, autocommit: an implicit transaction
committed at the Sync, no BEGIN or COMMIT of its own). Otherwise one read-only transaction
for code that runs its own statements (pts.insights)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.db.rows import fetch as fetch_own
from pts.http.problem import Problem
from pts.search.db import fetch, fetch_all, reading


def test_every_read_is_read_only_and_timed(db_url):
    with reading(get_settings(), batched=True) as conn:
        first = fetch(conn, "SELECT current_setting('transaction_read_only') AS ro, "
                      "current_setting('statement_timeout') AS timeout")
        second = fetch(conn, "SELECT current_setting('transaction_read_only') AS ro, "
                       "current_setting('statement_timeout') AS timeout")
    assert first == second == [{"ro": "on", "timeout": "10s"}]
    with reading(get_settings(), batched=True) as conn:  # the connection came back idle and usable
        assert fetch(conn, "SELECT 1 AS one") == [{"one": 1}]


def test_statements_sent_together_share_one_transaction(db_url):
    with reading(get_settings(), batched=True) as conn:
        a, b = fetch_all(conn, [("SELECT now() AS t, txid_current_if_assigned() AS x", None),
                                ("SELECT now() AS t, current_setting('transaction_read_only') "
                                 "AS ro", None)])
    assert a[0]["t"] == b[0]["t"] and b[0]["ro"] == "on"


def test_a_write_is_refused(db_url):
    with (pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
          reading(get_settings(), batched=True) as conn):
        fetch(conn, "CREATE TEMP TABLE nope (x int)")


def test_a_query_that_runs_out_of_time_answers_503(db_url, monkeypatch):
    monkeypatch.setenv("PTS_SEARCH_STATEMENT_TIMEOUT_MS", "100")
    with pytest.raises(Problem) as raised, reading(get_settings(), batched=True) as conn:
        fetch(conn, "SELECT pg_sleep(2)")
    assert raised.value.status == 503
    with reading(get_settings(), batched=True) as conn:
        assert fetch(conn, "SELECT current_setting('statement_timeout') AS t") == [
            {"t": "100ms"}]


def _syncs(trace: Path) -> int:
    return sum(1 for line in trace.read_text().splitlines() if "\tSync" in line)


def test_one_round_trip_per_batch(db_url, tmp_path):
    trace = tmp_path / "trace"
    with reading(get_settings(), batched=True) as conn, trace.open("w") as out:
        conn.pgconn.trace(out.fileno())
        try:
            fetch(conn, "SELECT 1 AS one")
            fetch_all(conn, [("SELECT 2 AS two", None), ("SELECT 3 AS three", None)])
        finally:
            conn.pgconn.untrace()
    text = trace.read_text()
    assert _syncs(trace) == 2, text  # one Sync (one wait for the server) per batch
    assert "BEGIN" not in text and "COMMIT" not in text


def test_the_pool_gets_its_connection_back_as_it_lent_it(db_url):
    with reading(get_settings(), batched=True) as conn:
        fetch(conn, "SELECT 1")
    with pytest.raises(Problem), reading(get_settings(), batched=True) as conn:
        raise Problem(404, "no such thing")
    with get_pool().connection() as conn:  # other users: transactions, writes allowed
        assert conn.autocommit is False
        assert conn.execute("SELECT current_setting('transaction_read_only')").fetchone() == (
            "off",)


def test_other_connections_read_without_the_setup(db_url):
    # pts deadletters list pages through pts.search.pagination on its own connection.
    with get_pool().connection() as conn:
        assert fetch(conn, "SELECT current_setting('transaction_read_only') AS ro") == [
            {"ro": "off"}]


def test_unbatched_reads_are_one_read_only_transaction(db_url, monkeypatch):
    # pts.insights runs its statements with pts.db.rows.fetch: they are covered too.
    monkeypatch.setenv("PTS_SEARCH_STATEMENT_TIMEOUT_MS", "100")
    with reading(get_settings()) as conn:
        first = fetch_own(conn, "SELECT current_setting('transaction_read_only') AS ro, "
                          "current_setting('statement_timeout') AS timeout, now() AS t")
        second = fetch(conn, "SELECT now() AS t")
    assert first[0]["ro"] == "on" and first[0]["timeout"] == "100ms"
    assert first[0]["t"] == second[0]["t"]  # the same transaction
    with pytest.raises(Problem) as raised, reading(get_settings()) as conn:
        fetch_own(conn, "SELECT pg_sleep(2)")
    assert raised.value.status == 503
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), reading(get_settings()) as conn:
        fetch_own(conn, "CREATE TEMP TABLE nope (x int)")
