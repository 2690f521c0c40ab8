"""Dead letters: store what the deadletter function receives; redrive (the listing:
pts.search.deadletters).

One letter per (event, subscriber) until it is discarded: a repeat delivery of an open letter
changes nothing, and a redriven letter that fails again is reopened with its failure count
and last error updated (pts.usecases.deadletter_care: reasons, checks, discard).
Redrive re-emits the stored event (without the knativeerror* extensions): to a sink URL, or,
without one, straight into the local broker's queue in the same database. Handlers are
idempotent, so the subscribers that had already received it acknowledge the repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg

from pts.broker import queue, triggers
from pts.cloudevents.encode import to_binary
from pts.config import Settings
from pts.domain.jsonnum import dumps
from pts.eventing.http import Sender, TransportError

log = logging.getLogger(__name__)

ERROR_EXTENSIONS = ("knativeerrordest", "knativeerrorcode", "knativeerrordata", "ptstrigger")

STORE = """
INSERT INTO dead_letters (event_source, event_id, event_type, event, error_dest, error_code,
                          error_data, error_trigger)
VALUES (%(source)s, %(id)s, %(type)s, %(event)s, %(dest)s, %(code)s, %(data)s, %(trigger)s)
ON CONFLICT (event_source, event_id, error_dest) WHERE discarded_at IS NULL DO UPDATE SET
    redriven_at = NULL, failures = dead_letters.failures + 1, last_failed_at = now(),
    event = EXCLUDED.event, error_code = EXCLUDED.error_code,
    error_data = EXCLUDED.error_data, error_trigger = EXCLUDED.error_trigger
WHERE dead_letters.redriven_at IS NOT NULL
RETURNING id
"""

COLUMNS = ("id, received_at, event_source, event_id, event_type, event, error_dest, "
           "error_code, error_data, error_trigger, redriven_at, redrive_count, redrive_error, "
           "discarded_at, failures, last_failed_at")
OPEN = "redriven_at IS NULL AND discarded_at IS NULL"


def store(conn: psycopg.Connection, raw: dict) -> int | None:
    """Store one dead-lettered event; its error extensions become columns. Returns the
    letter's id when it is new or reopened (it had been redriven), None when the same open
    letter is already stored."""
    event = {k: v for k, v in raw.items() if k not in ERROR_EXTENSIONS and v is not None}
    code = raw.get("knativeerrorcode")
    try:
        code = int(code) if code is not None else None
    except (TypeError, ValueError):
        code = None  # kept in the event's attributes only if it was not an error code
    row = conn.execute(STORE, {
        "source": event["source"], "id": event["id"], "type": event["type"],
        "event": dumps(event), "dest": str(raw.get("knativeerrordest") or ""),
        "code": code, "data": raw.get("knativeerrordata"), "trigger": raw.get("ptstrigger"),
    }).fetchone()
    return row[0] if row else None


def http_resender(url: str, settings: Settings) -> Callable[[dict, str | None], str | None]:
    """Re-emit by POSTing binary-mode CloudEvents to url; returns an error text or None."""
    sender = Sender(settings.emit_timeout)

    def send(event: dict, trigger: str | None) -> str | None:  # noqa: ARG001 - the sink routes
        headers, body = to_binary(event)
        try:
            resp = sender.post(url, headers, body)
        except TransportError as exc:
            return str(exc)
        return None if resp.ok else f"HTTP {resp.status}"

    return send


def broker_resender(conn: psycopg.Connection,
                    settings: Settings) -> Callable[[dict, str | None], None]:
    """Re-emit into the local broker's queue, in the redrive's transaction: to the trigger
    that failed when it is known, else to every matching trigger."""
    def send(event: dict, trigger: str | None) -> None:
        subs = [trigger] if trigger else triggers.matching(event["type"], settings)
        queue.enqueue(conn, [(event, subs)])

    return send


def redrive(conn: psycopg.Connection, ids: list[int] | None,
            send: Callable[[dict, str | None], str | None]) -> tuple[list[int], dict[int, str]]:
    """In the caller's transaction: re-emit the given open dead letters (all when ids is
    None); returns (redriven ids, {id: error}). Callers check ids first
    (deadletter_care.require_open) so that an unknown id changes nothing."""
    where, params = OPEN, []
    if ids is not None:
        where += " AND id = ANY(%s)"
        params.append(ids)
    rows = conn.execute(f"SELECT id, event, error_trigger FROM dead_letters WHERE {where} "
                        "ORDER BY id FOR UPDATE SKIP LOCKED", params).fetchall()
    done, failed = [], {}
    for id_, event, trigger in rows:
        error = send(event, trigger)
        if error:
            failed[id_] = error
        else:
            done.append(id_)
    conn.execute("UPDATE dead_letters SET redriven_at = now(), redrive_count = redrive_count + 1,"
                 " redrive_error = NULL WHERE id = ANY(%s)", (done,))
    for id_, error in failed.items():
        conn.execute("UPDATE dead_letters SET redrive_error = %s WHERE id = %s", (error, id_))
    return done, failed
