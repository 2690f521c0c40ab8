"""`pts catalog`: print the event catalog (the source of docs/event-catalog.md)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("catalog", help="print the event catalog as Markdown",
                       description="Print the event catalog, generated from the models.")
    p.set_defaults(func=run)


def run(args) -> int:
    from pts.domain.catalog_doc import render

    print(render(), end="")
    return 0
