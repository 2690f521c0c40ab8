"""The embedded server's roles: a superuser, the schema's owner, and the functions' role.

Passwords are made on first start and kept in `<data dir>/credentials.json` (mode 0600); the
server then asks every connection for one (scram-sha-256 in pg_hba.conf). A data directory
made before the roles existed is brought over on its next start: objects owned by the
superuser are given to the owner.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pts.db.grants import GROUP
from pts.db.urls import to_conninfo, to_sqlalchemy_url

OWNER, APP, SUPERUSER = "pts_owner", "pts_app", "postgres"
HBA = """# Written by pts: every connection gives a password (see credentials.json beside pgdata).
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


@dataclass(frozen=True)
class EmbeddedUrls:
    """URLs of the embedded `pts` database: `app` for the functions, `owner` for migrations
    and replay, `superuser` for administration."""

    app: str
    owner: str
    superuser: str


def credentials(data_dir: Path) -> dict[str, str]:
    """role -> password, made (and kept, mode 0600) on first use."""
    path = data_dir / "credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    creds = {role: secrets.token_urlsafe(24) for role in (SUPERUSER, OWNER, APP)}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(creds, f)
    os.replace(tmp, path)
    return creds


def url_as(server_url: str, user: str, password: str, database: str) -> str:
    """The server's URL (from postmaster.pid) for another role and database."""
    from sqlalchemy.engine import make_url  # SQLAlchemy loads for migrations only

    url = make_url(to_sqlalchemy_url(server_url)).set(
        username=user, password=password, database=database)
    return url.render_as_string(hide_password=False)


def _role(conn, name: str, password: str | None, *options: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    stmt = sql.SQL("{} ROLE {} " + " ".join(options)).format(sql.SQL(verb), sql.Identifier(name))
    if password is not None:
        stmt += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    conn.execute(stmt)


def _give_to_owner(url: str) -> None:
    """Objects the superuser made in an older data directory go to the owner."""
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        conn.execute(f"""DO $$ DECLARE r record; BEGIN
          FOR r IN SELECT c.oid::regclass AS t FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
              AND pg_get_userbyid(c.relowner) <> '{OWNER}' LOOP
            EXECUTE format('ALTER TABLE %s OWNER TO {OWNER}', r.t); END LOOP;
          FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{OWNER}' LOOP
            EXECUTE format('ALTER FUNCTION %s OWNER TO {OWNER}', r.f); END LOOP;
        END $$""")


def prepare(server_url: str, data_dir: Path, pgdata: Path, database: str) -> EmbeddedUrls:
    """Make the roles, the database owned by the owner, and password auth, on the first
    start of a data directory (or of one made by an earlier version); the URLs."""
    creds = credentials(data_dir)
    urls = EmbeddedUrls(
        app=url_as(server_url, APP, creds[APP], database),
        owner=url_as(server_url, OWNER, creds[OWNER], database),
        superuser=url_as(server_url, SUPERUSER, creds[SUPERUSER], database),
    )
    if (pgdata / "pg_hba.conf").read_text() == HBA:
        return urls  # done before: pg_hba.conf is written last
    su = url_as(server_url, SUPERUSER, creds[SUPERUSER], "postgres")
    with psycopg.connect(to_conninfo(su), autocommit=True) as conn:
        _role(conn, SUPERUSER, creds[SUPERUSER])
        _role(conn, OWNER, creds[OWNER], "LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB")
        _role(conn, GROUP, None, "NOLOGIN")
        _role(conn, APP, creds[APP], "LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS")
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP),
                                                     sql.Identifier(APP)))
        row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database "
                           "WHERE datname = %s", (database,)).fetchone()
        if row is None:
            # Another process may make it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(OWNER)))
        elif row[0] != OWNER:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(database), sql.Identifier(OWNER)))
        _give_to_owner(urls.superuser)
        (pgdata / "pg_hba.conf").write_text(HBA)
        conn.execute("SELECT pg_reload_conf()")
    return urls
