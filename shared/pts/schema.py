"""The Python declaration of every table: the SQLModel models, gathered in one metadata.

Migrations (migrations/versions) create the schema; the models declare the same tables,
columns, types, keys and indexes, and `schema_diff` (run by the tests, like `alembic check`)
proves that the migrated database and the models agree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import pts.auth.models  # noqa: F401  (each import registers its tables)
import pts.db.eventing  # noqa: F401
import pts.db.models  # noqa: F401
import pts.projections.models  # noqa: F401
import pts.webhooks.models  # noqa: F401
from pts.db.urls import to_sqlalchemy_url

METADATA = SQLModel.metadata


def _text_strings() -> None:
    """A `str` field is TEXT in PTS's tables (SQLModel would make it VARCHAR)."""
    for table in METADATA.tables.values():
        for column in table.columns:
            if isinstance(column.type, AutoString) and column.type.length is None:
                column.type = sa.Text()


_text_strings()


# Reflection reads `(type COLLATE "C"), seq` back as plain columns (type, seq), so autogenerate
# cannot compare it; tests/db/test_schema.py compares its definition directly.
UNREFLECTABLE_INDEXES = {"ix_events_type_c"}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """What autogenerate compares (alembic's include_object hook)."""
    if type_ == "table" and name == "alembic_version":  # alembic's own, no model
        return False
    return not (type_ == "index" and name in UNREFLECTABLE_INDEXES)


def schema_diff(url: str) -> list[Any]:
    """What autogenerate would change to make the database at url match the models; empty
    when they agree."""
    engine = sa.create_engine(to_sqlalchemy_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_object": include_object})
            return list(compare_metadata(context, METADATA))
    finally:
        engine.dispose()
