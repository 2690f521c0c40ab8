"""`pts config`: print every setting with its default (docs/configuration.md)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("config", help="print the configuration reference as Markdown",
                       description="Print every setting, its variable and default.")
    p.set_defaults(func=run)


def run(args) -> int:
    from pts.config_doc import render

    print(render(), end="")
    return 0
