"""Alembic, driven from code: migrations are the only way any schema is created."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pts.db.urls import to_sqlalchemy_url

# alembic and SQLAlchemy load only to migrate (seconds of imports no function needs;
# pts.db.revision checks the head without them): the imports below are in the functions.
if TYPE_CHECKING:
    from alembic.config import Config


def migrations_dir() -> Path:
    """The alembic folder: packaged with the wheel, or the repository's `migrations/`."""
    packaged = Path(__file__).resolve().parents[1] / "migrations"
    if (packaged / "env.py").exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", to_sqlalchemy_url(url).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate the database at url up to revision."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at url down to revision."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(to_sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
