"""One log line and the request metrics of every function call.

The line is written at INFO once the answer is known: function, method, path, status,
duration, and the events the request carried ((source, id) pairs, or a count beyond
MAX_PAIRS). Entry points name their events with `note_events`; values are escaped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pts.config import get_settings
from pts.logs import escape
from pts.metrics import instruments

if TYPE_CHECKING:  # not imported at run time here: CLI commands load this module
    import flask

log = logging.getLogger(__name__)

MAX_PAIRS = 5
_EVENTS = "pts.events"  # WSGI environ key: [(source, id, type), ...] of this request


def note_events(request: flask.Request, events: list[Any]) -> None:
    """Record the events a request carries (raw dicts), for its log line and metrics."""
    request.environ[_EVENTS] = [
        (e.get("source"), e.get("id"), e.get("type")) for e in events if isinstance(e, dict)
    ]


def _events_text(events: list[tuple[Any, ...]]) -> str:
    if not events:
        return ""
    if len(events) > MAX_PAIRS:
        return f" events={len(events)}"
    return " events=" + " ".join(f"({escape(s, 120)}, {escape(i, 120)})" for s, i, _ in events)


def observed(function: str, call: Callable[[flask.Request], flask.Response],
             request: flask.Request) -> flask.Response:
    """Run call(request); count, time and log it whatever happens."""
    start = time.perf_counter()
    status = 500  # an exception escaping here is answered 500 by Flask
    try:
        response = call(request)
        status = response.status_code
        return response
    finally:
        seconds = time.perf_counter() - start
        _record(function, request, status, seconds)


def _record(function: str, request: flask.Request, status: int, seconds: float) -> None:
    events = request.environ.get(_EVENTS) or []
    try:
        instruments.count_request(function, status, seconds)
        if function == "ingest" and 400 <= status < 500:
            types = [t for _, _, t in events] or [None]  # undecodable: one unknown event
            instruments.count_ingest(types, "refused", get_settings().foreign_types)
    except Exception:  # noqa: BLE001 - metrics must never break an answer
        log.exception("recording metrics failed")
    if not log.isEnabledFor(logging.INFO):
        return
    path, ms = escape(request.path, 120), seconds * 1000
    # The record is made here rather than by log.info: that would look up the calling frame
    # (file, line, function) at every request, which no PTS format prints.
    log.handle(log.makeRecord(
        log.name, logging.INFO, __file__, 0, "%s %s %s %d %.1fms%s",
        (function, request.method, path, status, ms, _events_text(events)), None, None, {"pts": {
            "function": function, "method": request.method, "path": path, "status": status,
            "duration_ms": round(ms, 2),
            "events": [[escape(s, 120), escape(i, 120)] for s, i, _ in events[:MAX_PAIRS]],
            "event_count": len(events)}}))
