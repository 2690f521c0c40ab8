"""The one listing of dead letters: the search API's GET /deadletters and `pts deadletters
list` both read through `letters`, and show a letter as pts.usecases.deadletter_care.as_json
does (as the admin API does). Light on purpose: the CLI imports it (no Flask, no SQLAlchemy).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from pts.search.pagination import Keyset, Page
from pts.usecases.deadletter_care import as_json
from pts.usecases.deadletters import COLUMNS

KEYSET = Keyset("deadletters", ("received_at", "id"), ("timestamptz", "bigint"),
                descending=True)
STATES = {"open": "redriven_at IS NULL AND discarded_at IS NULL",
          "redriven": "redriven_at IS NOT NULL AND discarded_at IS NULL",
          "discarded": "discarded_at IS NOT NULL", "all": "TRUE"}
_COLUMN = {"type": "event_type", "source": "event_source", "subscriber": "error_dest"}


def letters(conn: psycopg.Connection, page: Page, state: str = "open", *,
            since: datetime | None = None,
            **exactly: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the letters in state (open, redriven, discarded, all) matching every
    filter (`type`, `source`, `subscriber` exactly; dead-lettered at or after since),
    newest first, as the APIs show them; and the next page's cursor."""
    conds: list[str] = [STATES[state]]
    params: dict[str, Any] = {}
    for name, value in exactly.items():
        if value:
            conds.append(f"{_COLUMN[name]} = %({name})s")
            params[name] = value
    if since:
        conds.append("received_at >= %(since)s")
        params["since"] = since
    rows, next_cursor = page.run(conn, f"SELECT {COLUMNS} FROM dead_letters", conds, params)
    return [as_json(r) for r in rows], next_cursor
