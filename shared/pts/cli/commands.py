"""What every `pts` subcommand shares: database options and how they become settings."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pts.config import Settings, get_settings
from pts.domain.timefmt import format_rfc3339, json_default


class CommandError(Exception):
    """A user error: printed without a traceback, exit status 2."""


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--data-dir and --database-url, as every command that touches the database takes."""
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="embedded database directory (default: $PTS_DATA_DIR or ./.pts)",
    )
    parser.add_argument(
        "--database-url", default=None,
        help="PostgreSQL URL instead of the embedded database (default: $DATABASE_URL)",
    )
    parser.add_argument(
        "--migrate-url", default=None,
        help="URL of the schema's owner, for migrations and replay, when --database-url is "
        "the functions' role (default: $PTS_MIGRATE_DATABASE_URL, else --database-url)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command line's database options on top."""
    overrides: dict = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "migrate_url", None):
        overrides["migrate_database_url"] = args.migrate_url
    return get_settings(**overrides)


def when(value) -> str:
    """A time for a table cell: RFC 3339 in UTC to the second, or '-'."""
    return format_rfc3339(value.replace(microsecond=0)) or "-" if value else "-"


def print_table(rows: list[tuple]) -> None:
    """Rows of text (the first is the header) in left-aligned columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def add_list_and_revoke(actions: Any, list_: Callable[..., int], revoke: Callable[..., int],
                        plural: str, a_row: str, never: str, name_help: str | None = None
                        ) -> None:
    """The `list [--all] [--json]` and `revoke NAME` actions of a command that manages named
    secrets (token, webhook)."""
    ls = actions.add_parser("list", help=f"list {plural} ({never})")
    add_database_options(ls)
    ls.add_argument("--all", action="store_true", help=f"include revoked {plural}")
    ls.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    ls.set_defaults(func=list_)
    r = actions.add_parser("revoke", help=f"revoke {a_row} by name")
    add_database_options(r)
    r.add_argument("name", help=name_help)
    r.set_defaults(func=revoke)


def print_records(records: Sequence[Any], as_json: bool, header: tuple[str, ...],
                  cells: Callable[[Any], tuple[str, ...]]) -> None:
    """A listing: one JSON object a line (each record's as_json(), times in RFC 3339 with Z)
    or a table of header and each record's cells."""
    if as_json:
        for r in records:
            print(json.dumps(r.as_json(), default=json_default))
    else:
        print_table([header, *(cells(r) for r in records)])


def management_pool(args: argparse.Namespace) -> Any:
    """The pool of a short management command (token, webhook, demo): the embedded server's
    "ready" line is noise here (pts.cli.main quiets alembic and the rest)."""
    import logging

    from pts.db.pool import get_pool

    logging.getLogger("pts.db.embedded").setLevel(max(logging.WARNING, logging.root.level))
    return get_pool(settings_from(args))


def warn_if_superuser(url: str, what: str = "DATABASE_URL") -> None:
    """One warning when the functions would connect as a superuser (docs/security.md)."""
    import psycopg

    from pts.db.rows import scalar
    from pts.db.urls import to_conninfo

    with psycopg.connect(to_conninfo(url)) as conn:
        su = scalar(conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if su:
            import logging

            logging.getLogger(__name__).warning(
                "%s connects as a superuser, which can disable the log's protection: give "
                "the functions a role of their own (docs/security.md, two roles)", what)
