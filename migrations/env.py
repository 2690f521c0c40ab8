"""Alembic environment: the URL comes from pts.db.migrate (or DATABASE_URL for `alembic`)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL or run `pts migrate`")
    from pts.db.urls import to_sqlalchemy_url

    return to_sqlalchemy_url(url)


def _metadata():
    """The models, so that `alembic check` and autogenerate compare them with the database."""
    from pts.schema import METADATA, include_object

    return {"target_metadata": METADATA, "include_object": include_object,
            "compare_type": True, "compare_server_default": True}


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"},
                      **_metadata())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True,
                          **_metadata())
        with context.begin_transaction():
            context.run_migrations()
        # The grants step: whatever the migrations added, the functions' role ends up with
        # exactly what pts.db.grants declares (docs/security.md, "Two roles").
        from pts.db import grants

        if connection.in_transaction():  # alembic's own look at the version table
            connection.commit()
        with connection.begin():
            grants.apply(connection.connection.driver_connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
