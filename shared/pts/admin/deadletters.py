"""The admin API's dead-letter actions (scope admin):

- POST /api/deadletters/<id>/redrive   re-emit it; 200 with the letter
- POST /api/deadletters/<id>/discard   close it without redriving; 200 with the letter

404 when no letter has that id, 409 when it is no longer open (already redriven or
discarded), 502 when the re-emission itself failed (recorded as the letter's redrive_error).
Redrives go to K_SINK when it is set (Knative), else into the local broker's queue.
"""

from __future__ import annotations

import flask
import psycopg

from pts.config import Settings
from pts.db.pool import get_pool
from pts.http.problem import Problem, json_response
from pts.usecases import deadletter_care as care
from pts.usecases import deadletters

ACTIONS = ("redrive", "discard")


def act(settings: Settings, letter: str, action: str) -> flask.Response:
    """Redrive or discard the letter with id `letter` (routed and authorized by
    pts.admin.web)."""
    try:
        letter_id = int(letter)
    except ValueError:
        raise Problem(404, "no dead letter with that id") from None
    if not 0 < letter_id < 2**63:
        raise Problem(404, "no dead letter with that id")
    with get_pool(settings).connection() as conn, conn.transaction():
        found = care.get(conn, [letter_id])
        if not found:
            raise Problem(404, f"no dead letter with id {letter_id}")
        try:
            care.require_open(conn, [letter_id])
        except care.UnknownLetters:
            raise Problem(409, f"dead letter {letter_id} is {care.state(found[0])}, not open; "
                          "nothing was done", state=care.state(found[0])) from None
        error = _act(conn, action, letter_id, settings)
        after = care.as_json(care.get(conn, [letter_id])[0])
    if error:
        raise Problem(502, f"the redrive failed: {error}; the letter stays open", letter=after)
    return json_response(after)


def _act(conn: psycopg.Connection, action: str, letter_id: int, settings: Settings) -> str | None:
    if action == "discard":
        care.discard(conn, [letter_id])
        return None
    send = (deadletters.http_resender(settings.sink, settings) if settings.sink
            else deadletters.broker_resender(conn, settings))
    _, failed = deadletters.redrive(conn, [letter_id], send)
    return failed.get(letter_id)
