"""The `pts` command. Each subcommand lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import logging
import sys

from pts.cli import commands

COMMAND_MODULES = ["pts.cli.migrate", "pts.cli.up", "pts.cli.replay", "pts.cli.deadletters",
                   "pts.cli.manifests", "pts.cli.serve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pts", description="PTS, the Platform Telemetry Service: a system of record "
        "for platform events.",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pts` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except commands.CommandError as exc:
        print(f"pts: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
