"""Scopes: what a token may do.

- ``ingest``: post events (to ``ingest``), restricted to a source prefix when the token has one.
- ``read``: search the log and the projections, and use the admin page.
- ``admin``: redrive, replay, token management.

Scopes do not imply one another: a token gets exactly the scopes it was created with.
"""

from __future__ import annotations

INGEST = "ingest"
READ = "read"
ADMIN = "admin"
SCOPES: tuple[str, ...] = (INGEST, READ, ADMIN)


def parse_scopes(values: list[str] | tuple[str, ...] | str) -> list[str]:
    """Scopes from a list (or a comma-separated string), in canonical order; ValueError
    names an unknown scope. `all` stands for every scope."""
    if isinstance(values, str):
        values = [values]
    wanted: set[str] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part == "all":
                wanted.update(SCOPES)
            elif part in SCOPES:
                wanted.add(part)
            else:
                raise ValueError(f"unknown scope {part!r}: use {', '.join(SCOPES)} or all")
    if not wanted:
        raise ValueError("give at least one scope")
    return [s for s in SCOPES if s in wanted]
