"""Each new database connection of a search process answers the common searches once, with
values that match nothing, before any request gets it.

A PostgreSQL backend loads its catalog caches (each table, index and statistic a statement
names) on the first statement that needs them: on a fresh connection the first services page
took 15 ms instead of 2 on a quiet machine, and 100 to 650 ms while the two cores were busy.
The pool opens connections while requests wait (it grows under load, replaces old ones), so
that cost landed on requests, and wrk's percentiles count such a stall once per interval
it held its connection (docs/benchmarks.md, Search, session 7). Run from the pool's own
thread (`pts.db.pool.on_connect`), through the routes' own code and statements.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict

from pts.config import get_settings
from pts.db.pool import on_connect
from pts.http.problem import Problem
from pts.search.app import TABLE
from pts.search.db import lending
from pts.search.params import parse_query
from pts.search.routes import Context

_NONE = "pts-warm-up"  # a name no row holds (and if one did, limit=1 keeps it cheap)
_LATER = "9999-01-01T00:00:00Z"
_DIGEST = "sha256:" + "0" * 64
# The common searches of docs/api.md, shaped as bench/capacity/searchload.py sends them.
PATHS = [
    f"/environments?environment={_NONE}&limit=1",
    f"/environments?environment={_NONE}&at=2000-01-01T00:00:00Z&limit=1",
    f"/deployments?since={_LATER}&limit=1",
    f"/deployments?status=failed&since={_LATER}&limit=1",
    f"/deployments/{_NONE}",
    f"/deployments?image_digest={_DIGEST}&limit=1",
    f"/events?since={_LATER}&limit=1",
    f"/events?since={_LATER}&type=dev.pts.service.*&limit=1",
    f"/events?service={_NONE}&limit=1",
    f"/images?digest={_DIGEST}&limit=1",
    f"/services/{_NONE}",
]


def warm(conn: Any) -> int:
    """Run PATHS' handlers on conn (a new connection, not yet in the pool); the answers are
    dropped. Returns how many ran; a failure stops the warm-up (logged at debug level: the
    connection is served cold, as before)."""
    settings = get_settings()
    done = 0
    with lending(conn):
        for url in PATHS:
            parts = urlsplit(url)
            found = TABLE.match(parts.path)
            if found is None:
                raise LookupError(f"no route for {url}")
            route, values = found
            ctx = Context(cast(Any, None), settings)
            ctx.__dict__["cursor_secret"] = "warm-up"  # no cursor leaves; no read of the key
            query = parse_query(route.query, MultiDict(parse_qsl(parts.query)), values)
            try:
                route.handler(ctx, query)
            except Problem as problem:
                if problem.status != 404:
                    raise
            done += 1
    return done


# Importing this module (functions/search/main.py does) has every new pooled connection of
# the process warmed before a request gets it.
on_connect(warm)
