"""The functions' role (db_url) can append to and read the log, and nothing else on it: no
change, no DDL, no way around the triggers. Every table declares its grants."""

from __future__ import annotations

import psycopg
import pytest

from pts.db import grants
from pts.db.urls import to_conninfo

INSERT = """INSERT INTO platform_events (id, source, type, specversion, occurred_at,
            content_hash) VALUES (%s, '/s', 'dev.pts.platform.x', '1.0', now(), 'h')"""

REFUSED = [
    "UPDATE platform_events SET type = 'forged'",
    "DELETE FROM platform_events",
    "TRUNCATE platform_events",
    "TRUNCATE platform_events CASCADE",
    "ALTER TABLE platform_events DISABLE TRIGGER platform_events_no_update_delete",
    "ALTER TABLE platform_events DISABLE TRIGGER ALL",
    "ALTER TABLE platform_events ADD COLUMN forged text",
    "DROP TABLE platform_events",
    "DROP TRIGGER platform_events_no_update_delete ON platform_events",
    "CREATE OR REPLACE FUNCTION pts_reject_change() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN NEW; END $$",
    "DROP FUNCTION pts_reject_change() CASCADE",
    "SET session_replication_role = replica",
    "CREATE TABLE forged (x int)",
    "DELETE FROM api_tokens",  # revoking a token is an UPDATE: its row stays
]


@pytest.fixture
def app(db_url):
    conn = psycopg.connect(to_conninfo(db_url), autocommit=True)
    conn.execute(INSERT, ("1",))
    yield conn
    conn.close()


def test_the_functions_role_is_neither_owner_nor_superuser(app):
    row = app.execute("""SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
                                pg_get_userbyid(c.relowner) = current_user
                         FROM pg_roles r, pg_class c
                         WHERE r.rolname = current_user AND c.relname = 'platform_events'""")
    assert row.fetchone() == (False, False, False, False, False)


def test_the_functions_role_appends_and_reads_the_log(app):
    app.execute(INSERT, ("2",))
    assert [r[0] for r in app.execute("SELECT id FROM platform_events ORDER BY seq")] == \
        ["1", "2"]


@pytest.mark.parametrize("statement", REFUSED)
def test_everything_else_on_the_log_is_refused_by_privileges(app, sql, statement):
    # Refused for want of privilege or ownership, before any trigger could run.
    with pytest.raises(psycopg.errors.InsufficientPrivilege,
                       match="permission denied|must be owner|must be superuser"):
        app.execute(statement)
    assert app.execute("SELECT count(*) FROM platform_events").fetchone()[0] == 1
    triggers = sql.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                           "'platform_events'::regclass AND tgenabled = 'O' "
                           "AND NOT tgisinternal").fetchone()[0]
    assert triggers == 2


def test_every_table_declares_its_grants(sql):
    """A new table: add it to pts.db.grants.GRANTS (the least its functions need)."""
    undeclared = set(grants.tables(sql)) - set(grants.GRANTS)
    assert not undeclared, f"declare the grants of {sorted(undeclared)} in pts.db.grants"


def test_the_group_holds_exactly_the_declared_privileges(sql):
    rows = sql.execute("""SELECT table_name, string_agg(privilege_type, ', '
                                 ORDER BY privilege_type)
                          FROM information_schema.role_table_grants
                          WHERE grantee = %s AND table_schema = 'public'
                          GROUP BY table_name""", (grants.GROUP,)).fetchall()
    held = dict(rows)
    for table in grants.tables(sql):
        declared = sorted(p.strip() for p in grants.GRANTS[table].split(",") if p.strip())
        assert sorted(held.get(table, "").split(", ")) == sorted(declared) or \
            (not declared and table not in held), table


def test_a_replayed_projection_keeps_its_grants(db_url, owner_url, capsys):
    from pts.cli import main

    assert main(["replay", "--database-url", db_url, "--migrate-url", owner_url,
                 "--handler", "images"]) == 0
    with psycopg.connect(to_conninfo(db_url), autocommit=True) as app:
        app.execute("SELECT count(*) FROM images").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("TRUNCATE images")
