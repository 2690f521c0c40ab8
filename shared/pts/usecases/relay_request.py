"""A relay request (PingSource, cron-connector or `pts up`'s timer): re-emit the events
whose emission was not acknowledged, and answer the counts."""

from __future__ import annotations

import flask

from pts.auth import require_broker
from pts.config import get_settings
from pts.http.guard import require_method
from pts.http.problem import json_response
from pts.usecases import wiring


def handle(request: flask.Request) -> flask.Response:
    """Answer one POST to the relay function (200 with emitted, failed and batches)."""
    require_method(request, "POST")
    settings = get_settings()
    require_broker(request, settings, function="relay")
    return json_response(wiring.relay(settings).as_json())
