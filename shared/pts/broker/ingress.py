"""The broker's ingress: POST /broker with CloudEvents (binary, structured or batch).

202 only once the events and their deliveries are committed in PostgreSQL. An event that
matches no trigger is recorded and not delivered, as a Knative Broker drops it. Callers prove
themselves with the broker's secret (the platform: emission, replies, redrives) or an
admin-scoped token: an ingest token would bypass ingest's checks (source prefix, catalog).
"""

from __future__ import annotations

import logging

import flask

from pts.auth import ADMIN, authorize
from pts.auth.broker import sent_by_broker
from pts.broker import queue, triggers
from pts.cloudevents.decode import decode_checked
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.http.errors import install
from pts.http.guard import guarded, read_body, require_method
from pts.http.observe import note_events
from pts.http.problem import json_response
from pts.logs import escape

log = logging.getLogger(__name__)


def enqueue_events(conn, events: list[dict], settings, *, notify: bool = True) -> int:
    """In the caller's transaction: queue events with a delivery per matching trigger;
    returns how many deliveries."""
    pairs = [(e, triggers.matching(e["type"], settings)) for e in events]
    queue.enqueue(conn, pairs, notify=notify)
    if log.isEnabledFor(logging.DEBUG):
        for event, subs in pairs:
            log.debug("queued %s %s for %s", escape(event["type"]), escape(event["id"]),
                      ", ".join(subs) or "no active trigger")
    return sum(len(subs) for _, subs in pairs)


def enqueue_logged(conn, events: list[tuple[int, str, str, str]], settings, *,
                   notify: bool = True) -> None:
    """In the caller's transaction: queue events of the log, given as (seq, source, id,
    type), by reference to their log row (pts.broker.queue.enqueue_logged)."""
    subs = {t: triggers.matching(t, settings) for t in {e[3] for e in events}}
    queue.enqueue_logged(conn, events, subs, notify=notify)
    if log.isEnabledFor(logging.DEBUG):
        for seq, _source, id_, type_ in events:
            log.debug("queued %s %s (log seq %d) for %s", escape(type_), escape(id_), seq,
                      ", ".join(subs[type_]) or "no active trigger")


def accept(pool, events: list[dict], settings) -> int:
    """Queue events durably with their deliveries; returns how many deliveries."""
    with pool.connection() as conn, conn.transaction():
        return enqueue_events(conn, events, settings)


def _authorize(request: flask.Request, settings) -> None:
    """The broker's own secret (emission, replies, redrives), else a token with the admin
    scope (403 for any other): the ingress must not let anyone who reaches the port queue
    deliveries, nor a producer skip ingest's checks."""
    if not sent_by_broker(request, settings):
        authorize(request, ADMIN, function="broker", settings=settings)


@guarded
def broker(request: flask.Request) -> flask.Response:
    """POST /broker: queue the CloudEvents of the request, 202 when committed."""
    require_method(request, "POST")
    settings = get_settings()
    _authorize(request, settings)
    body = read_body(request, settings.max_body_bytes)
    events = decode_checked(request.headers, body, settings)
    note_events(request, events)
    deliveries = accept(get_pool(settings), events, settings)
    return json_response({"accepted": len(events), "deliveries": deliveries}, status=202)


def create_app() -> flask.Flask:
    """The WSGI app mounted at /broker by `pts up`."""
    app = flask.Flask("pts.broker")
    install(app)  # unknown paths, methods and unexpected errors: problem+json too
    app.add_url_rule("/", "ingress", lambda: broker(flask.request),
                     methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    return app
