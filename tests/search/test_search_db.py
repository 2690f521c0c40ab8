"""The search function's database access: a read-only transaction with a statement timeout,
sent with its first query and committed with the pipeline's last sync."""

from __future__ import annotations

import psycopg
import pytest

from pts.config import get_settings
from pts.http.problem import Problem
from pts.search.db import fetch, reading


def test_reads_in_one_read_only_transaction(db_url):
    with reading(get_settings()) as conn:
        first = fetch(conn, "SELECT current_setting('transaction_read_only') AS ro, "
                      "current_setting('statement_timeout') AS timeout, now() AS t")
        second = fetch(conn, "SELECT now() AS t")
    assert first[0]["ro"] == "on" and first[0]["timeout"] == "10s"
    assert first[0]["t"] == second[0]["t"]  # the same transaction
    with reading(get_settings()) as conn:  # the connection came back idle and usable
        assert fetch(conn, "SELECT 1 AS one") == [{"one": 1}]


def test_a_write_is_refused(db_url):
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), reading(get_settings()) as conn:
        fetch(conn, "CREATE TEMP TABLE nope (x int)")


def test_a_query_that_runs_out_of_time_answers_503(db_url, monkeypatch):
    monkeypatch.setenv("PTS_SEARCH_STATEMENT_TIMEOUT_MS", "100")
    with pytest.raises(Problem) as raised, reading(get_settings()) as conn:
        fetch(conn, "SELECT pg_sleep(2)")
    assert raised.value.status == 503
    with reading(get_settings()) as conn:
        assert fetch(conn, "SELECT current_setting('statement_timeout') AS t") == [
            {"t": "100ms"}]
