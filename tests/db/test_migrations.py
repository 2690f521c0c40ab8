"""Migrations take an empty database to head and back to empty."""

from __future__ import annotations

import psycopg

from pts.db.migrate import current, downgrade, upgrade
from pts.db.urls import to_conninfo
from tests.support.database import admin_execute, drop_database, fresh_database


def tables(url: str) -> set[str]:
    with psycopg.connect(to_conninfo(url)) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r[0] for r in rows}


def test_upgrade_from_empty_to_head_and_back(pg_admin_url, template_url):
    url = fresh_database(pg_admin_url, template="template0")
    try:
        assert tables(url) == set()
        upgrade(url)
        assert "platform_events" in tables(url)
        head = current(url)
        assert head is not None
        downgrade(url, "base")
        assert tables(url) <= {"alembic_version"}
        upgrade(url)
        assert current(url) == head
    finally:
        drop_database(pg_admin_url, url)


def test_pts_migrate_command(pg_admin_url, template_url, capsys):
    from pts.cli import main

    url = fresh_database(pg_admin_url, template="template0")
    try:
        assert main(["migrate", "--database-url", url]) == 0
        assert "platform_events" in tables(url)
        assert "database at revision" in capsys.readouterr().out
    finally:
        drop_database(pg_admin_url, url)


def test_every_revision_has_a_working_downgrade(pg_admin_url, template_url):
    from alembic.script import ScriptDirectory

    from pts.db.migrate import alembic_config

    url = fresh_database(pg_admin_url, template="template0")
    try:
        script = ScriptDirectory.from_config(alembic_config(url))
        revisions = list(script.walk_revisions("base", "heads"))
        upgrade(url)
        for rev in revisions:  # newest first
            downgrade(url, rev.revision + "-1" if rev.down_revision else "base")
            upgrade(url)
        admin_execute(pg_admin_url, "SELECT 1")
    finally:
        drop_database(pg_admin_url, url)
