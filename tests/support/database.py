"""Test databases on the test server: one migrated database per test session (per xdist
worker), emptied before each test, and real fresh databases for the tests that change the
schema (migrations) or need their own settings."""

from __future__ import annotations

import contextlib
import os
import uuid

import psycopg

from pts.db import pool as db_pool
from pts.db.migrate import upgrade
from pts.db.urls import to_conninfo, with_database

# xdist runs one session per worker, all on the same server when PTS_TEST_DATABASE_URL is set.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEMPLATE = f"pts_test_template_{WORKER}"
# The functions' role in tests: a member of pts_functions (pts.db.grants), neither owner nor
# superuser, as `pts up` and the deploy docs set it up. Roles are the server's: shared by
# every xdist worker.
APP_ROLE, APP_PASSWORD = "pts_test_app", "pts-test-app"

# alembic_version and pts_secrets (the random keys migration 0011 makes) are what a freshly
# migrated database holds.
_EMPTY = """
SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'pts_secrets')
"""
_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
FROM pg_sequences WHERE schemaname = 'public'
"""
_OTHER_SCHEMAS = """
SELECT nspname FROM pg_namespace
WHERE nspname <> 'public' AND nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'
"""


def admin_execute(admin_url: str, sql: str) -> None:
    """Run one statement as the server's superuser, outside any transaction."""
    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(sql)


def create_template(admin_url: str) -> str:
    """The migrated template database of this session; returns its URL."""
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    admin_execute(admin_url, f'CREATE DATABASE "{TEMPLATE}"')
    url = with_database(admin_url, TEMPLATE)
    upgrade(url)  # its grants step makes the pts_functions group role
    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone():
            # Another xdist worker may make it first.
            with contextlib.suppress(psycopg.errors.DuplicateObject,
                                     psycopg.errors.UniqueViolation):
                conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}' "
                             "IN ROLE pts_functions")
    return url


def as_app(url: str) -> str:
    """The same database as the functions' role (APP_ROLE)."""
    from sqlalchemy.engine import make_url

    from pts.db.urls import to_sqlalchemy_url

    return make_url(to_sqlalchemy_url(url)).set(username=APP_ROLE, password=APP_PASSWORD) \
        .render_as_string(hide_password=False)


def fresh_database(admin_url: str, template: str = TEMPLATE) -> str:
    """A new database cloned from template; returns its URL."""
    name = "pts_test_" + uuid.uuid4().hex[:12]
    admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return with_database(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    """Close this process's pool of the database, then drop it."""
    db_pool.close_for(url)
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Rows the migrations themselves insert (pts_secrets' cursor key), per database URL: a reset
# puts them back, as a freshly migrated database has them.
_SEEDS: dict[str, dict[str, list[tuple]]] = {}


def remember_seeds(url: str) -> None:
    """Record the rows a freshly migrated database at url holds (reset_database restores them)."""
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        seeds = {}
        for (table,) in conn.execute(_EMPTY).fetchall():
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            if rows:
                seeds[table] = rows
    _SEEDS[url] = seeds


def reset_database(url: str) -> None:
    """Empty every table but alembic_version and pts_secrets, restart every sequence and
    drop schemas a test left behind (a replay's shadow schema), as a freshly migrated
    database is.

    The connection runs with session_replication_role = replica, so the log's immutability
    triggers (which refuse TRUNCATE) are skipped for this connection only."""
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET lock_timeout = '10s'")
        for (schema,) in conn.execute(_OTHER_SCHEMAS).fetchall():
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        tables = [row[0] for row in conn.execute(_EMPTY)]
        with conn.transaction():
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            conn.execute(_SEQUENCES)
            for table, rows in _SEEDS.get(url, {}).items():
                marks = ", ".join(["%s"] * len(rows[0]))
                conn.cursor().executemany(
                    f"INSERT INTO {table} OVERRIDING SYSTEM VALUE VALUES ({marks})", rows)
