"""A handler function's HTTP contract, as the broker calls it.

The broker POSTs one CloudEvent (binary or structured mode). The handler reads the stored
copy of the event from the log by (source, id), so live delivery and replay see the same
input, and answers:
- 204, empty body: applied, or a repeat acknowledged without acting;
- 4xx problem+json: never acceptable (not in the log, a type this handler does not take,
  data that fails the catalog): the broker dead-letters it and does not retry;
- 5xx: transient (the database is down: 503 from @guarded); the broker retries.
"""

from __future__ import annotations

import flask

from pts.auth.broker import require_broker
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.http.decode import STRUCTURED, decode_request, media_type
from pts.http.guard import read_body, require_method
from pts.http.observe import note_events
from pts.http.problem import Problem
from pts.projections.engine import NotAccepted, Projection, apply, check
from pts.projections.facts import load_one
from pts.projections.registry import PROJECTIONS


def _one_event(request: flask.Request, limit: int) -> dict:
    binary = request.headers.get("ce-specversion") is not None
    if not binary and media_type(request.content_type) != STRUCTURED:
        raise Problem(415, "send one CloudEvent, in binary mode (ce-* headers) or structured "
                      f"mode ({STRUCTURED})")
    settings = get_settings()
    raw = decode_request(request.headers, read_body(request, limit), settings)[0]
    note_events(request, [raw])
    for name in ("id", "source"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise Problem(400, f"the CloudEvent has no {name}",
                          errors=[{"field": name, "message": "required attribute is missing"}])
    return raw


def deliver(pool, projection: Projection, raw: dict) -> bool:
    """Apply one delivered event from its stored copy; False when it is a repeat."""
    with pool.connection() as conn, conn.transaction():
        fact = load_one(conn, raw["source"], raw["id"])
        if fact is None:
            raise Problem(422, "no event with this source and id is in the log",
                          errors=[{"field": "id", "message": "not in the log"}])
        if raw.get("type") not in (None, fact.type):
            raise Problem(422, f"the log holds this event as {fact.type}, not {raw['type']}",
                          errors=[{"field": "type", "message": "differs from the log"}])
        seq = raw.get("ptsseq")
        if seq is not None and str(seq) != str(fact.seq):
            raise Problem(422, f"the log holds this event at seq {fact.seq}, not {seq}",
                          errors=[{"field": "ptsseq", "message": "differs from the log"}])
        try:
            check(projection, fact)
        except NotAccepted as exc:
            raise Problem(422, exc.detail,
                          errors=[{"field": exc.field, "message": exc.detail}]) from None
        return bool(apply(conn, projection, [fact]))


def handle(request: flask.Request, name: str) -> flask.Response:
    """The whole entry point of handler `name`: answer 204 with an empty body when done."""
    require_method(request, "POST")
    settings = get_settings()
    require_broker(request, settings, function=name)
    raw = _one_event(request, settings.max_body_bytes)
    deliver(get_pool(settings), PROJECTIONS[name], raw)
    return flask.Response(status=204)
