"""A handler function's HTTP contract, as the broker calls it.

The broker POSTs one CloudEvent (binary or structured mode), or several in one request
(application/cloudevents-batch+json, applied in one transaction). The handler reads the
stored copy of each event from the log by (source, id), so live delivery and replay see the
same input, and answers:
- 204, empty body: applied, or a repeat acknowledged without acting;
- 4xx problem+json: never acceptable (not in the log, a type this handler does not take,
  data that fails the catalog): the broker dead-letters it and does not retry. A batch with
  such an event is refused whole (422, `errors` by index) and nothing of it is applied;
- 5xx: transient (the database is down: 503 from @guarded); the broker retries.

`pts up` applies its deliveries in-process through `apply_events`, the same code.
"""

from __future__ import annotations

import flask
import psycopg
from psycopg_pool import ConnectionPool

from pts.auth.broker import require_broker
from pts.cloudevents.decode import decode_events
from pts.config import Settings, get_settings
from pts.db.pool import get_pool
from pts.domain.errors import Invalid
from pts.http.guard import read_body, require_method
from pts.http.observe import note_events
from pts.http.problem import Problem
from pts.projections.engine import NotAccepted, Projection, apply, check
from pts.projections.facts import Fact, Row, load_pairs
from pts.projections.registry import PROJECTIONS


def _events(request: flask.Request, settings: Settings) -> list[Row]:
    raws = decode_events(request.headers, read_body(request, settings.max_body_bytes), settings,
                         refuse=415)
    note_events(request, raws)
    if not raws:
        raise Problem(400, "the batch holds no event")
    errors = [{"index": i, "field": name, "message": "required attribute is missing"}
              for i, raw in enumerate(raws) for name in ("id", "source")
              if not isinstance(raw, dict) or not isinstance(raw.get(name), str)
              or not raw[name]]
    if errors:
        raise Problem(400, f"the CloudEvent has no {errors[0]['field']}", errors=errors)
    return raws


def _verify(projection: Projection, raw: Row, fact: Fact | None) -> Invalid | None:
    """Why the stored event cannot be applied as delivered, or None."""
    if fact is None:
        return Invalid("no event with this source and id is in the log",
                       errors=[{"field": "id", "message": "not in the log"}])
    if raw.get("type") not in (None, fact.type):
        return Invalid(f"the log holds this event as {fact.type}, not {raw['type']}",
                       errors=[{"field": "type", "message": "differs from the log"}])
    seq = raw.get("ptsseq")
    if seq is not None and str(seq) != str(fact.seq):
        return Invalid(f"the log holds this event at seq {fact.seq}, not {seq}",
                       errors=[{"field": "ptsseq", "message": "differs from the log"}])
    try:
        check(projection, fact)
    except NotAccepted as exc:
        return Invalid(exc.detail, errors=[{"field": exc.field, "message": exc.detail}])
    return None


def apply_events(conn: psycopg.Connection, projection: Projection,
                 raws: list[Row]) -> tuple[list[Invalid | None], list[Fact]]:
    """In the caller's transaction: read the delivered events' stored copies in one
    statement, apply every acceptable one in one go. Returns the problem of each event
    (None: applied or a repeat) and the facts that were new."""
    facts = {(f.source, f.id): f for f in
             load_pairs(conn, list({(r["source"], r["id"]) for r in raws}))}
    problems = [_verify(projection, r, facts.get((r["source"], r["id"]))) for r in raws]
    good = [facts[(r["source"], r["id"])] for r, p in zip(raws, problems, strict=True)
            if p is None]
    return problems, apply(conn, projection, good) if good else []


def apply_delivered(pool: ConnectionPool, projection: Projection, raw: Row) -> bool:
    """Apply one delivered event from its stored copy; False when it is a repeat."""
    return bool(apply_delivered_batch(pool, projection, [raw]))


def apply_delivered_batch(pool: ConnectionPool, projection: Projection,
                          raws: list[Row]) -> list[Fact]:
    """Apply delivered events in one transaction, all or nothing: the first problem is
    raised (a batch's names the index of each event refused). Returns the new facts."""
    with pool.connection() as conn, conn.transaction():
        problems, new = apply_events(conn, projection, raws)
        refused = [(i, p) for i, p in enumerate(problems) if p is not None]
        if len(raws) == 1 and refused:
            raise refused[0][1]
        if refused:
            raise Invalid(f"{len(refused)} of {len(raws)} events cannot be applied; "
                          "nothing was applied",
                          errors=[{"index": i, **e} for i, p in refused for e in (p.errors or [])])
        return new


def handle(request: flask.Request, name: str) -> flask.Response:
    """The whole entry point of handler `name`: answer 204 with an empty body when done."""
    require_method(request, "POST")
    settings = get_settings()
    require_broker(request, settings, function=name)
    raws = _events(request, settings)
    apply_delivered_batch(get_pool(settings), PROJECTIONS[name], raws)
    return flask.Response(status=204)
