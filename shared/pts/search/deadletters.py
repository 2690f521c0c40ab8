"""GET /deadletters: events the broker gave up delivering, newest first."""

from __future__ import annotations

from typing import Any

from pts.search import schemas as s
from pts.search.db import reading, times
from pts.search.events import CURSOR, LIMIT
from pts.search.keyset import Page, where_sql
from pts.search.params import Param, parse_query
from pts.search.routes import Context
from pts.usecases.deadletter_care import reason, state

FIELDS = {
    "id": s.INT, "received_at": s.TIME, "event_source": s.TEXT, "event_id": s.TEXT,
    "event_type": s.TEXT, "event": {**s.OBJECT, "description": "The event as delivered."},
    "error_dest": {**s.TEXT, "description": "The subscriber that refused it."},
    "error_code": s.INT_OR_NULL, "error_data": s.TEXT_OR_NULL,
    "redriven_at": s.TIME_OR_NULL, "redrive_count": s.INT, "redrive_error": s.TEXT_OR_NULL,
    "discarded_at": s.TIME_OR_NULL,
    "failures": {**s.INT, "description": "Times it was dead-lettered (a redrive that fails "
                 "again reopens the same letter)."},
    "last_failed_at": s.TIME,
}
COLUMNS = ", ".join(FIELDS)
FIELDS["reason"] = {**s.TEXT_OR_NULL, "description": "error_data (base64) decoded, when it is "
                    "text: what the subscriber answered."}
FIELDS["state"] = {**s.TEXT, "enum": ["open", "redriven", "discarded"]}
s.item("DeadLetter", FIELDS, "An event the broker dead-lettered, and its redrives.")
s.listing("DeadLetterList", "DeadLetter")

PARAMS = [
    Param("state", "Open (neither redriven nor discarded), redriven, discarded, or all.",
          "enum", default="open", values=("open", "redriven", "discarded", "all")),
    Param("type", "Event type, exactly."),
    Param("source", "Event source, exactly."),
    Param("subscriber", "The subscriber that refused it (error destination), exactly."),
    Param("since", "Dead-lettered at or after.", "time"),
    LIMIT, CURSOR,
]
_STATES = {"open": "redriven_at IS NULL AND discarded_at IS NULL",
           "redriven": "redriven_at IS NOT NULL AND discarded_at IS NULL",
           "discarded": "discarded_at IS NOT NULL", "all": "TRUE"}
_COLUMN = {"type": "event_type", "source": "event_source", "subscriber": "error_dest"}


def list_deadletters(ctx: Context) -> dict[str, Any]:
    """Dead letters matching every filter, newest first."""
    f = parse_query(ctx.args, PARAMS)
    conds, params = [], {}
    conds.append(_STATES[f["state"]])
    for name, column in _COLUMN.items():
        if f[name]:
            conds.append(f"{column} = %({name})s")
            params[name] = f[name]
    if f["since"]:
        conds.append("received_at >= %(since)s")
        params["since"] = f["since"]
    page = Page("deadletters", f, ("received_at", "id"), ("timestamptz", "bigint"),
                descending=True)
    secret = ctx.cursor_secret
    page.resume(secret, conds, params)
    with reading(ctx.settings) as conn:
        rows, next_cursor = page.run(conn, f"SELECT {COLUMNS} FROM dead_letters"
                                     + where_sql(conds), params, secret,
                                     lambda r: (r["received_at"].isoformat(), r["id"]))
    return {"items": [_item(r) for r in rows],
            "next_cursor": next_cursor}


def _item(row: dict) -> dict:
    out = times(row, "received_at", "redriven_at", "discarded_at", "last_failed_at")
    out["reason"] = reason(row["error_data"])
    out["state"] = state(row)
    return out
