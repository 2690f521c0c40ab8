"""The admin API's dead-letter actions: POST /api/deadletters/<id>/redrive (scope admin).

Redrive re-emits one open dead letter with the same code as `pts deadletters redrive`: to
K_SINK when it is set (a broker's ingress), else into the local broker's queue in the same
database (`pts up`). Discard needs a column to record it that this version's table does not
have: its route is not here, and the page hides its button when the route answers 404.
"""

from __future__ import annotations

import re

from psycopg.rows import dict_row

from pts.config import Settings
from pts.db.pool import get_pool
from pts.http.problem import Problem
from pts.search.db import times
from pts.services import deadletters

ROUTE = re.compile(r"^deadletters/([^/]+)/(redrive)$")
# What the search API's GET /deadletters shows of a letter, so the page can redraw its row.
COLUMNS = ("id, received_at, event_source, event_id, event_type, event, error_dest, error_code, "
           "error_data, redriven_at, redrive_count, redrive_error")


def letter_id(raw: str) -> int:
    """The id in the URL; a value that cannot be an id names no letter (404)."""
    if not raw.isdigit() or len(raw) > 18:
        raise Problem(404, "no dead letter with that id")
    return int(raw)


def redrive_one(id_: int, settings: Settings) -> dict:
    """Re-emit the open dead letter id_ and return it as it is now; Problem 404 (unknown),
    409 (already redriven, or being redriven) or 502 (the sink refused it)."""
    pool = get_pool(settings)
    with pool.connection() as conn, conn.transaction():
        row = conn.execute("SELECT redriven_at FROM dead_letters WHERE id = %s", (id_,)).fetchone()
        if row is None:
            raise Problem(404, "no dead letter with that id")
        if row[0] is not None:
            raise Problem(409, "this dead letter was already redriven")
        send = (deadletters.http_resender(settings.sink, settings) if settings.sink
                else deadletters.broker_resender(conn, settings))
        done, failed = deadletters.redrive(conn, [id_], send)
    if id_ in failed:
        raise Problem(502, f"the redrive failed: {failed[id_]}; the letter stays open")
    if id_ not in done:
        raise Problem(409, "this dead letter is being redriven by another request")
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        letter = cur.execute(f"SELECT {COLUMNS} FROM dead_letters WHERE id = %s",
                             (id_,)).fetchone()
    return times(letter, "received_at", "redriven_at")
