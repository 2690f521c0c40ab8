"""What every `pts` subcommand shares: database options and how they become settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from pts.config import Settings, get_settings


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


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command line's database options on top."""
    overrides: dict = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return get_settings(**overrides)


def when(value) -> str:
    """A time for a table cell: RFC 3339 in UTC to the second, or '-'."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def print_table(rows: list[tuple]) -> None:
    """Rows of text (the first is the header) in left-aligned columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
