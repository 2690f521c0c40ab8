"""An ingest request end to end: authorize, decode, check, map CDEvents, append, answer."""

from __future__ import annotations

import flask

from pts.auth import INGEST, authorize, check_sources
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.http.guard import read_body, require_method
from pts.http.limits import check_event_data
from pts.http.observe import note_events
from pts.http.problem import json_response
from pts.metrics.instruments import count_ingested
from pts.usecases import ingest as ingest_service
from pts.usecases import mapped
from pts.usecases.cdevents import derive
from pts.usecases.plain import decode_request
from pts.usecases.wiring import ingest_hooks, pace


def handle(request: flask.Request) -> flask.Response:
    """Answer one POST to the ingest function (202 with each event's seq and duplicate)."""
    require_method(request, "POST")
    settings = get_settings()
    principal = authorize(request, INGEST, function="ingest", settings=settings)
    raws = decode_request(request.headers, read_body(request, settings.max_body_bytes), settings)
    note_events(request, raws)
    check_event_data(raws, settings)
    envelopes = ingest_service.validate_all(raws, settings)
    check_sources(principal, envelopes)
    posted = mapped.map_all(envelopes, derive)  # CDEvents: the catalog events they map onto
    stored = mapped.flatten(posted)
    pace(settings)  # pts up: its handlers are far behind; let them catch up first
    accepted = ingest_service.ingest(get_pool(settings), stored, **ingest_hooks(settings),
                                    group=settings.group_commit_events,
                                    alone_above=settings.group_commit_alone_above)
    count_ingested([e.type for e in stored], [a.duplicate for a in accepted], settings)
    return json_response(
        {"accepted": len(posted), "events": mapped.answer(posted, accepted)}, status=202
    )
