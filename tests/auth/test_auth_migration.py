"""Migration 0005: api_tokens up, down and up again; the table refuses what it must."""

from __future__ import annotations

import os

import psycopg
import pytest

from pts.cli import up
from pts.config import get_settings
from pts.db.migrate import current, downgrade, upgrade


def _tables(sql) -> set[str]:
    return {r[0] for r in sql.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


@pytest.mark.fresh_database
def test_downgrade_and_upgrade_again(owner_url, sql):
    assert "api_tokens" in _tables(sql)
    downgrade(owner_url, "0001")
    assert "api_tokens" not in _tables(sql) and "platform_events" in _tables(sql)
    upgrade(owner_url, "0005")
    assert "api_tokens" in _tables(sql)
    assert current(owner_url) is not None


@pytest.mark.parametrize("scopes, digest", [
    (["root"], "a" * 64), ([], "a" * 64), (["read"], "not-a-hash"), (["read"], "A" * 64)])
def test_the_table_refuses_bad_rows(sql, scopes, digest):
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.execute("INSERT INTO api_tokens (name, token_hash, scopes) VALUES ('x', %s, %s)",
                    (digest, scopes))


def test_live_names_are_unique_revoked_ones_not(sql):
    insert = "INSERT INTO api_tokens (name, token_hash, scopes) VALUES ('x', %s, '{read}')"
    sql.execute(insert, ("a" * 64,))
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql.execute(insert, ("b" * 64,))
    sql.execute("UPDATE api_tokens SET revoked_at = now()")
    sql.execute(insert, ("b" * 64,))


def test_pts_up_makes_a_broker_secret_per_start(db_url, monkeypatch, sql):
    monkeypatch.delenv("PTS_BROKER_TOKEN")
    up._prepare_auth(get_settings())
    first = os.environ["PTS_BROKER_TOKEN"]
    monkeypatch.delenv("PTS_BROKER_TOKEN")
    up._prepare_auth(get_settings())
    second = os.environ["PTS_BROKER_TOKEN"]
    assert len(first) >= 40 and first != second
    monkeypatch.setenv("PTS_BROKER_TOKEN", "chosen")
    up._prepare_auth(get_settings())
    assert os.environ["PTS_BROKER_TOKEN"] == "chosen"  # an operator's choice is kept
    # PTS_ADMIN_TOKEN (set by db_url) is registered once, however many starts.
    assert sql.execute("SELECT name FROM api_tokens").fetchall() == [("PTS_ADMIN_TOKEN",)]
