"""Migration 0004: its indexes exist, go away on downgrade, and come back on upgrade."""

from __future__ import annotations

import pytest

from pts.db.migrate import downgrade, upgrade

SEARCH_INDEXES = {"ix_events_source_seq", "ix_events_service_seq", "ix_events_type_c",
                  "ix_events_data", "ix_events_data_fts"}


def _indexes(sql) -> set[str]:
    rows = sql.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'platform_events'")
    return {r[0] for r in rows}


@pytest.mark.fresh_database
def test_downgrade_drops_the_search_indexes_and_upgrade_restores_them(owner_url, sql):
    assert _indexes(sql) >= SEARCH_INDEXES
    downgrade(owner_url, "0001")
    left = _indexes(sql)
    assert not left & SEARCH_INDEXES and "ix_events_type" in left
    upgrade(owner_url)
    assert _indexes(sql) >= SEARCH_INDEXES
