"""What the functions may do on each table: the grants of the `pts_functions` group role.

The functions connect as a login role that is a member of `pts_functions` and neither owns
the schema nor is a superuser, so they cannot alter, drop or truncate a table, nor disable
the log's triggers. After every migration (migrations/env.py) and every `pts replay` swap,
`apply` revokes everything from the group and grants what GRANTS below declares.

A new table declares its grants here, in the same change as its migration: one line, the
least each function needs. A table missing here gets DEFAULT (plain reads and writes, no
DDL, no TRUNCATE) with a warning, and tests/db/test_least_privilege.py fails until it is
declared.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from pts.db.rows import scalar

log = logging.getLogger(__name__)

GROUP = "pts_functions"
DEFAULT = "SELECT, INSERT, UPDATE, DELETE"
_PROJECTION = "SELECT, INSERT, UPDATE, DELETE"  # handlers refold windows: rows are replaced

GRANTS: dict[str, str] = {
    # The log: append and read, nothing else (the triggers refuse the rest too).
    "platform_events": "SELECT, INSERT",
    # Bookkeeping around the log: retention (pts.retention) prunes what is done with.
    "event_emissions": "SELECT, INSERT, UPDATE, DELETE",
    "broker_events": "SELECT, INSERT, DELETE",
    "broker_deliveries": "SELECT, INSERT, UPDATE, DELETE",
    "dead_letters": "SELECT, INSERT, UPDATE, DELETE",
    "api_tokens": "SELECT, INSERT, UPDATE",
    "webhook_integrations": "SELECT, INSERT, UPDATE",  # revoking one is an UPDATE
    "pts_secrets": "SELECT",  # made by the migration (the owner); the functions only read
    "deployments_handled_events": _PROJECTION,
    "deployments": _PROJECTION,
    "current_deployments": _PROJECTION,
    "deployment_steps": _PROJECTION,
    "services_handled_events": _PROJECTION,
    "services": _PROJECTION,
    "service_environments": _PROJECTION,
    "service_transitions": _PROJECTION,
    "images_handled_events": _PROJECTION,
    "images": _PROJECTION,
    "image_tags": _PROJECTION,
    "image_runs": _PROJECTION,
    "alembic_version": "SELECT",  # which revision is live: status, the CLI's head check
}


def tables(conn: psycopg.Connection) -> list[str]:
    """The tables of the public schema."""
    return [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]


def declared(table: str) -> str:
    """The privileges GRANTS declares for table (DEFAULT when it declares none)."""
    return GRANTS.get(table, DEFAULT)


def _set(privileges: str) -> frozenset[str]:
    return frozenset(p.strip() for p in privileges.split(",") if p.strip())


def held(conn: psycopg.Connection) -> dict[str, frozenset[str]]:
    """table -> the privileges pts_functions holds on it, for every table of the schema."""
    rows = conn.execute("""
        SELECT c.relname, a.privilege_type
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN LATERAL aclexplode(c.relacl) a
               ON a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s)
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')""", (GROUP,)).fetchall()
    out: dict[str, set[str]] = {}
    for table, privilege in rows:
        out.setdefault(table, set())
        if privilege:
            out[table].add(privilege)
    return {t: frozenset(p) for t, p in out.items()}


def _ensure_group(conn: psycopg.Connection) -> bool:
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (GROUP,)).fetchone():
        return True
    may = scalar(conn.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles "
                              "WHERE rolname = current_user"))
    if not may:
        log.warning("role %s does not exist and %s cannot create it: no grants applied "
                    "(docs/security.md, two roles)", GROUP, "this role")
        return False
    try:
        with conn.transaction():  # a savepoint: another migration may create it first
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(GROUP)))
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        pass
    return True


def apply(conn: psycopg.Connection, only: list[str] | None = None) -> None:
    """Give `pts_functions` exactly the declared privileges on every table of the schema,
    or on the tables `only` (run by the schema's owner, inside the caller's transaction)."""
    if not _ensure_group(conn):
        return
    # Two migrations at once (CLI commands beside pts up) would fail on the same catalog rows.
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('pts.db.grants'))")
    names = only or tables(conn)
    if only is None and held(conn) == {t: _set(declared(t)) for t in names}:
        return  # nothing to change: no catalog writes on every command's start
    group = sql.Identifier(GROUP)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(group))
    conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(group))
    for table in names:
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), group))
        if table not in GRANTS:
            log.warning("table %s declares no grants in pts.db.grants: %s given", table,
                        DEFAULT)
        privileges = declared(table)
        if privileges:
            conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(
                sql.SQL(privileges), sql.Identifier(table), group))
