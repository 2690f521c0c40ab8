"""A delivery to the dead-letter sink: the broker posts each event that exhausted its retries,
with its error (knativeerrordest, knativeerrorcode, knativeerrordata); each is stored."""

from __future__ import annotations

import flask

from pts.auth import require_broker
from pts.cloudevents.decode import decode_checked
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.http.guard import read_body, require_method
from pts.http.observe import note_events
from pts.usecases import deadletters


def handle(request: flask.Request) -> flask.Response:
    """Answer one POST to the deadletter function: 204 with an empty body once stored."""
    require_method(request, "POST")
    settings = get_settings()
    require_broker(request, settings, function="deadletter")
    body = read_body(request, settings.max_body_bytes)
    events = decode_checked(request.headers, body, settings)
    note_events(request, events)
    with get_pool(settings).connection() as conn, conn.transaction():
        for event in events:
            deadletters.store(conn, event)
    return flask.Response(status=204)
