"""GET /events (filtered, newest first, keyset-paginated on seq) and GET /events/{seq}."""

from __future__ import annotations

from typing import Any

from pts.http.problem import Problem
from pts.search import cursor
from pts.search.db import fetch, reading, times
from pts.search.event_filters import where
from pts.search.params import Param, check_range, parse_query
from pts.search.routes import Context

COLUMNS = ("seq, id, source, type, specversion, subject, time, datacontenttype, dataschema, "
           "extensions, data, data_base64, received_at, occurred_at, service, environment, "
           "content_hash")
TIMES = ("time", "received_at", "occurred_at")

LIMIT = Param("limit", "Most items per page.", "int", default=50, minimum=1, maximum=1000)
CURSOR = Param("cursor", "The `next_cursor` of the previous page, with the same filters.")
EVENT_PARAMS = [
    Param("type", "Event type, exactly; or a prefix ending in `*` "
          "(`dev.pts.deployment.*`)."),
    Param("source", "CloudEvents source, exactly."),
    Param("subject", "CloudEvents subject, exactly (a deployment id, a service name...)."),
    Param("service", "`data.service`, exactly."),
    Param("environment", "`data.environment`, exactly."),
    Param("since", "Event time (`time`, else `received_at`) at or after.", "time"),
    Param("until", "Event time before (exclusive).", "time"),
    Param("received_since", "Received at or after.", "time"),
    Param("received_until", "Received before (exclusive).", "time"),
    Param("q", "Words to find in the data's strings and numbers (all of them; "
          "`\"a phrase\"`, `or`, `-word` as in web search)."),
    LIMIT,
    CURSOR,
]
SEQ = Param("seq", "The event's sequence number.", "int", minimum=1,
            maximum=9_223_372_036_854_775_807)


def event_json(row: dict[str, Any]) -> dict[str, Any]:
    """An event row as the API shows it: every attribute, the data, times in UTC."""
    return times(row, *TIMES)


def list_query(args, secret: str) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    """The SQL and parameters of one /events request, its parsed parameters and its query
    fingerprint (what its cursors are bound to)."""
    f = parse_query(args, EVENT_PARAMS, data_filters=True)
    check_range(f, "since", "until")
    check_range(f, "received_since", "received_until")
    filters = {k: v for k, v in f.items() if k not in ("limit", "cursor") and v}
    query_id = cursor.fingerprint("events", filters)
    conds, params = where(f)
    if f["cursor"]:
        (after,) = cursor.decode(secret, query_id, f["cursor"], (int,))
        conds.append("seq < %(after)s")
        params["after"] = after
    # With an upper time bound, read through the time index and sort (cost: the events
    # before the bound, or in the window). Ordered by plain seq, the planner may instead walk
    # the primary key down from the newest event, assuming matches are spread evenly; but
    # event and receipt times follow seq, so an old window would be reached only after
    # reading every newer event. `seq + 0` is the same order without that path.
    window = f["until"] or f["received_until"]
    order = "seq + 0" if window else "seq"
    sql = (f"SELECT {COLUMNS} FROM platform_events"
           + (" WHERE " + " AND ".join(conds) if conds else "")
           + f" ORDER BY {order} DESC LIMIT %(limit)s")
    params["limit"] = f["limit"] + 1  # one more tells whether a next page exists
    return sql, params, f, query_id


def list_events(ctx: Context) -> dict[str, Any]:
    """Events matching every filter, newest (highest seq) first."""
    secret = ctx.cursor_secret
    sql, params, f, query_id = list_query(ctx.args, secret)
    with reading(ctx.settings) as conn:
        rows = fetch(conn, sql, params)
    more = len(rows) > f["limit"]
    rows = rows[: f["limit"]]
    next_cursor = cursor.encode(secret, query_id, [rows[-1]["seq"]]) if more else None
    return {"items": [event_json(r) for r in rows], "next_cursor": next_cursor}


def get_event(ctx: Context) -> dict[str, Any]:
    """One event by its sequence number; 404 when there is none."""
    parse_query(ctx.args, [])
    with reading(ctx.settings) as conn:
        rows = fetch(conn, f"SELECT {COLUMNS} FROM platform_events WHERE seq = %(seq)s",
                     {"seq": ctx.path["seq"]})
    if not rows:
        raise Problem(404, f"no event with seq {ctx.path['seq']}")
    return event_json(rows[0])
