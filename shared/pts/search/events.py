"""GET /events (filtered, newest first, keyset-paginated on seq) and GET /events/{seq}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from werkzeug.datastructures import MultiDict

from pts.db.models import PlatformEvent
from pts.http.answers import answer, columns_of, listing
from pts.http.problem import Problem
from pts.http.rawjson import RawJSON
from pts.search.db import fetch, reading
from pts.search.event_filters import where
from pts.search.pagination import Keyset, Page, where_sql
from pts.search.params import ListQuery, Query, Text, Time, int_text, parse_query
from pts.search.routes import Context

NAMES = ("seq", "id", "source", "type", "specversion", "subject", "time", "datacontenttype",
         "dataschema", "extensions", "data", "data_base64", "received_at", "occurred_at",
         "service", "environment", "content_hash")
TIMES = ("time", "received_at", "occurred_at")


def rfc3339_sql(column: str) -> str:
    """SQL of a timestamptz column as format_rfc3339 writes it (UTC, microseconds when
    present, `Z`): PostgreSQL formats a page's times faster than Python does."""
    utc = f"{column} AT TIME ZONE 'UTC'"
    return (f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', "
            f"{column}) = {column} THEN '' ELSE to_char({utc}, '.US') END || 'Z'")


KEYSET = Keyset("events", ("seq",), ("bigint",), descending=True)
# Each event as its JSON object, written by PostgreSQL (row_to_json: keys in NAMES order,
# data and extensions as their stored jsonb text, numbers exact, times as answered): Python
# joins the texts, where it read 17 columns a row into a dict and encoded them again.
ROW = ", ".join(f"{rfc3339_sql('platform_events.' + n)} AS {n}" if n in TIMES
                else f"platform_events.{n}" for n in NAMES)
# Events' JSON texts (column json) from platform_events, filtered and ordered by the caller
# on platform_events.<column> (a bare name could mean e's).
EVENTS_JSON = ("SELECT row_to_json(e)::text AS json FROM platform_events "
               f"CROSS JOIN LATERAL (SELECT {ROW}) AS e")


def json_array(rows: list[dict[str, Any]]) -> RawJSON:
    """The JSON texts of rows' column json as one JSON array."""
    return RawJSON("[" + ",".join(r["json"] for r in rows) + "]")


Event = answer("Event", "One event of the log: every CloudEvents attribute and what PTS adds "
               "(seq, received_at, occurred_at = time or else received_at, service, "
               "environment).", columns_of(PlatformEvent, NAMES, descriptions={
                   "data": "The event's data as sent (JSON), or null."}))
EventList = listing("EventList", Event)

_KEY = "[^.\\u0000]+"  # a key of a data path: no dot, no NUL
DATA: dict[str, Any] = {"style": "form", "explode": True,
        "description": "`data.<path>=<value>` parameters: match inside the event data.",
        "schema": {"type": "object", "propertyNames": {
            "maxLength": 1024, "pattern": f"^data[.]{_KEY}([.]{_KEY})*$"},
            "additionalProperties": {"type": "string", "maxLength": 1024,
                                     "pattern": "^[^\\u0000]*$"}}}


def _text(description: str) -> Any:
    return Field(None, description=description)


class EventQuery(ListQuery):
    """Filters combine with AND. `data.<path>=<value>` (any number) matches events whose
    data holds value at the dotted path (as a string, as the JSON number/boolean/null it
    spells, or as an element of an array there)."""

    RANGES = (("since", "until"), ("received_since", "received_until"))
    DATA_FILTERS = True

    type: Text | None = _text("Event type, exactly; or a prefix ending in `*` "
                              "(`dev.pts.deployment.*`).")
    source: Text | None = _text("CloudEvents source, exactly.")
    subject: Text | None = _text("CloudEvents subject, exactly (a deployment id, a service "
                                 "name...).")
    service: Text | None = _text("`data.service`, exactly.")
    environment: Text | None = _text("`data.environment`, exactly.")
    since: Time | None = _text("Event time (`time`, else `received_at`) at or after.")
    until: Time | None = _text("Event time before (exclusive).")
    received_since: Time | None = _text("Received at or after.")
    received_until: Time | None = _text("Received before (exclusive).")
    q: Text | None = _text("Words to find in the data's strings and numbers (all of them; "
                           "`\"a phrase\"`, `or`, `-word` as in web search).")
    data: dict[str, str] = Field(default_factory=dict, json_schema_extra={"x-parameter": DATA})


class EventPath(Query):
    PATH = ("seq",)

    seq: Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807,
                              description="The event's sequence number."),
                   BeforeValidator(int_text)]


def events_sql(f: EventQuery, page: Page) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of one page of /events."""
    conds, params = where(f.__dict__)
    page.resume(conds, params)
    # With an upper time bound, read through the time index and sort (cost: the events
    # before the bound, or in the window). Ordered by plain seq, the planner may instead walk
    # the primary key down from the newest event, assuming matches are spread evenly; but
    # event and receipt times follow seq, so an old window would be reached only after
    # reading every newer event. `seq + 0` is the same order without that path.
    window: datetime | None = f.until or f.received_until
    sql = (f"SELECT {ROW} FROM platform_events" + where_sql(conds)
           + page.order_by(["seq + 0"] if window else None))
    return (f"SELECT e.seq, row_to_json(e)::text AS json FROM ({sql}) AS e "
            "ORDER BY e.seq DESC", page.bind(params))


def list_query(args: MultiDict[str, str],
               secret: str) -> tuple[str, dict[str, Any], EventQuery, str]:
    """The SQL and parameters of one /events request, its parsed parameters and its query
    fingerprint (what its cursors are bound to)."""
    f = parse_query(EventQuery, args)
    page = Page(KEYSET, f, secret)
    sql, params = events_sql(f, page)
    return sql, params, f, page.query_id


def list_events(ctx: Context, f: EventQuery) -> dict[str, Any]:
    """Events matching every filter, newest (highest seq) first."""
    page = Page(KEYSET, f, ctx.cursor_secret)
    sql, params = events_sql(f, page)
    with reading(ctx.settings, batched=True) as conn:
        rows, next_cursor = page.cut(fetch(conn, sql, params))
    return {"items": json_array(rows), "next_cursor": next_cursor}


def get_event(ctx: Context, f: EventPath) -> RawJSON:
    """One event by its sequence number; 404 when there is none."""
    with reading(ctx.settings, batched=True) as conn:
        rows = fetch(conn, f"{EVENTS_JSON} WHERE platform_events.seq = %(seq)s",
                     {"seq": f.seq})
    if not rows:
        raise Problem(404, f"no event with seq {f.seq}")
    return RawJSON(rows[0]["json"])
