"""GET /deadletters: events the broker gave up delivering, newest first. This is the one
listing of dead letters: `pts deadletters list` reads through `letters` too, and every
answer shows a letter as pts.usecases.deadletter_care.as_json does (the admin API's too)."""

from __future__ import annotations

from typing import Any, Literal

import psycopg
from pydantic import Field

from pts.db.eventing import DeadLetter as DeadLetterTable
from pts.search.answers import answer, columns_of, listing
from pts.search.db import reading
from pts.search.pagination import Keyset, Page
from pts.search.params import ListQuery, Text, Time
from pts.search.routes import Context
from pts.usecases.deadletter_care import as_json
from pts.usecases.deadletters import COLUMNS

State = Literal["open", "redriven", "discarded"]
DeadLetter = answer("DeadLetter", "An event the broker dead-lettered, and its redrives.", {
    **columns_of(DeadLetterTable, [c.strip() for c in COLUMNS.split(",")], descriptions={
        "event": "The event as delivered.",
        "error_dest": "The subscriber that refused it.",
        "error_trigger": "The trigger whose delivery failed, when the broker named it.",
        "failures": "Times it was dead-lettered (a redrive that fails again reopens the same "
                    "letter)."}),
    "reason": (str | None, Field(description="error_data (base64) decoded, when it is text: "
                                 "what the subscriber answered.")),
    "state": (State, Field())})
DeadLetterList = listing("DeadLetterList", DeadLetter)
KEYSET = Keyset("deadletters", ("received_at", "id"), ("timestamptz", "bigint"),
                descending=True)
_STATES = {"open": "redriven_at IS NULL AND discarded_at IS NULL",
           "redriven": "redriven_at IS NOT NULL AND discarded_at IS NULL",
           "discarded": "discarded_at IS NOT NULL", "all": "TRUE"}
_COLUMN = {"type": "event_type", "source": "event_source", "subscriber": "error_dest"}


class DeadLetterQuery(ListQuery):
    state: Literal["open", "redriven", "discarded", "all"] = Field(
        "open", description="Open (neither redriven nor discarded), redriven, discarded, or "
        "all.")
    type: Text | None = Field(None, description="Event type, exactly.")
    source: Text | None = Field(None, description="Event source, exactly.")
    subscriber: Text | None = Field(None, description="The subscriber that refused it (error "
                                    "destination), exactly.")
    since: Time | None = Field(None, description="Dead-lettered at or after.")


def letters(conn: psycopg.Connection, f: DeadLetterQuery,
            page: Page) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the letters matching every filter, newest first, as the APIs show them."""
    conds, params = [_STATES[f.state]], {}
    for name, column in _COLUMN.items():
        if getattr(f, name):
            conds.append(f"{column} = %({name})s")
            params[name] = getattr(f, name)
    if f.since:
        conds.append("received_at >= %(since)s")
        params["since"] = f.since
    rows, next_cursor = page.run(conn, f"SELECT {COLUMNS} FROM dead_letters", conds, params)
    return [as_json(r) for r in rows], next_cursor


def list_deadletters(ctx: Context, f: DeadLetterQuery) -> dict[str, Any]:
    """Dead letters matching every filter, newest first."""
    with reading(ctx.settings) as conn:
        items, next_cursor = letters(conn, f, Page(KEYSET, f, ctx.cursor_secret))
    return {"items": items, "next_cursor": next_cursor}
