"""Is the database at the latest migration? One query, without loading alembic.

Loading alembic and its scripts costs a command about half a second; the head revision is
read here from the scripts' `revision` and `down_revision` lines instead, and compared with
the `alembic_version` table. Migrating is still alembic's job (pts.db.migrate).
"""

from __future__ import annotations

import ast
import functools
import re

import psycopg

from pts.db.migrate import migrations_dir

_ASSIGN = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.M)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions no other script revises: alembic's heads."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (migrations_dir() / "versions").glob("*.py"):
        found = dict(_ASSIGN.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"].strip()))
        down = ast.literal_eval(found.get("down_revision", "None").strip())
        revised.update([down] if isinstance(down, str) else (down or ()))
    return frozenset(revisions - revised)


def current_revisions(conn: psycopg.Connection) -> frozenset[str]:
    """The revisions the database is at (empty when it was never migrated)."""
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        return frozenset()
    return frozenset(r[0] for r in rows)


def at_head(conninfo: str) -> bool:
    """True when the database at conninfo needs no migration."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return current_revisions(conn) == head_revisions()
