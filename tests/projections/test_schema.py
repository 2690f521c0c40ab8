"""The projection tables: migration and SQLModel models agree, and the migration goes down."""

import pytest
from sqlmodel import SQLModel

import pts.projections.models  # noqa: F401  (registers the tables)
from pts.db.migrate import downgrade, upgrade

PROJECTION_TABLES = {
    "deployments", "current_deployments", "deployments_handled_events",
    "services", "service_environments", "service_transitions", "services_handled_events",
    "images", "image_tags", "image_runs", "images_handled_events",
}


def _columns(sql, table):
    return {
        name: nullable == "YES"
        for name, nullable in sql.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s", (table,))
    }


def test_models_match_the_migration(sql):
    for table in PROJECTION_TABLES:
        model = SQLModel.metadata.tables[table]
        assert _columns(sql, table) == {c.name: bool(c.nullable) for c in model.columns}, table


@pytest.mark.fresh_database
def test_downgrade_drops_the_projections_and_upgrade_restores_them(owner_url, sql):
    downgrade(owner_url, "0001")
    rows = sql.execute("SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = 'public'").fetchall()
    assert {r[0] for r in rows} & PROJECTION_TABLES == set()
    upgrade(owner_url)
    assert _columns(sql, "deployments")
