"""Migration 0002 goes down and up again."""

from __future__ import annotations

import pytest

from pts.db.migrate import downgrade, upgrade

TABLES = {"event_emissions", "broker_events", "broker_deliveries", "dead_letters"}


def tables(sql) -> set[str]:
    rows = sql.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}


@pytest.mark.fresh_database
def test_downgrade_to_0001_and_back(owner_url, sql):
    assert tables(sql) >= TABLES
    downgrade(owner_url, "0001")
    assert not TABLES & tables(sql)
    assert "platform_events" in tables(sql)
    upgrade(owner_url)
    assert tables(sql) >= TABLES
