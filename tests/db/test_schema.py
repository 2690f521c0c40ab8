"""The SQLModel models declare exactly the tables the migrations create (an `alembic check`:
autogenerate finds nothing to change), and the check does find a difference."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from pts.schema import METADATA, UNREFLECTABLE_INDEXES, schema_diff


def test_the_migrated_database_is_what_the_models_declare(db_url):
    assert schema_diff(db_url) == []


def test_every_table_has_a_model(sql):
    tables = {r[0] for r in sql.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables - {"alembic_version"} == set(METADATA.tables)


def test_indexes_reflection_cannot_read_match_by_definition(sql):
    indexes = {i.name: i for t in METADATA.tables.values() for i in t.indexes}
    for name in UNREFLECTABLE_INDEXES:
        declared = str(CreateIndex(indexes[name]).compile(dialect=postgresql.dialect()))
        (stored,) = sql.execute("SELECT pg_get_indexdef(%s::regclass)", (name,)).fetchone()
        assert 'COLLATE "C"' in declared and 'COLLATE "C"' in stored, (declared, stored)
        assert declared.rstrip(")").endswith("seq") and stored.rstrip(")").endswith("seq")


@pytest.mark.fresh_database
def test_the_check_finds_a_difference(db_url, sql):
    sql.execute("DROP INDEX ix_events_subject")
    sql.execute("ALTER TABLE dead_letters ALTER COLUMN error_dest DROP DEFAULT")
    found = schema_diff(db_url)
    assert ("add_index", "ix_events_subject") in [(d[0], d[1].name) for d in found
                                                 if isinstance(d, tuple)]
    assert any(isinstance(d, list) and d[0][0] == "modify_default" and d[0][3] == "error_dest"
               for d in found)
