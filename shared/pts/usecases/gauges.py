"""Gauges read from the database at scrape time, each by one cheap, indexed query.

The log's size is its highest sequence number (an index lookup; duplicates and refused
requests may skip numbers, so it can exceed the row count slightly), never COUNT(*).
Every PTS process reads the same database: take max() across instances in queries.
"""

from __future__ import annotations

import logging
import threading
import time

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pts import routing
from pts.broker import upkeep
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.projections.registry import PROJECTIONS

log = logging.getLogger(__name__)

TIMEOUT_MS = 2000  # a scrape must not hang on a busy database

# The receive time of the newest event a projection takes, one index probe per type.
HEAD_OF_TYPES = """
SELECT max(h.received_at) FROM unnest(%s::text[]) AS t(type),
LATERAL (SELECT received_at FROM platform_events e WHERE e.type = t.type
         ORDER BY seq DESC LIMIT 1) h
"""


def _one(conn, sql: str, params=()):
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def read(conn) -> dict:
    """Every gauge's value(s), in one transaction of conn."""
    conn.execute(f"SET LOCAL statement_timeout = {TIMEOUT_MS}")
    out = {
        "outbox": _one(conn, "SELECT count(*) FROM event_emissions WHERE emitted_at IS NULL"),
        "letters": _one(conn, "SELECT count(*) FROM dead_letters "
                        "WHERE redriven_at IS NULL AND discarded_at IS NULL"),
        "log": _one(conn, "SELECT coalesce(max(seq), 0) FROM platform_events"),
        "pending": {b.subscriber: (b.pending, b.oldest_seconds)  # the broker's own reading
                    for b in upkeep.backlog(conn)},
        "lag": {},
    }
    for name, projection in PROJECTIONS.items():
        head = _one(conn, HEAD_OF_TYPES, (list(projection.types),))
        applied = _one(conn, f"SELECT e.received_at FROM platform_events e WHERE e.seq = "
                       f"(SELECT max(seq) FROM {projection.handled_table})")
        if head is None:
            out["lag"][name] = 0.0
        elif applied is None:  # nothing applied yet: behind by everything it takes
            first = _one(conn, "SELECT received_at FROM platform_events ORDER BY seq LIMIT 1")
            out["lag"][name] = max(0.0, (head - first).total_seconds())
        else:
            out["lag"][name] = max(0.0, (head - applied).total_seconds())
    return out


def subscribers() -> list[str]:
    """Every handler of the routing declaration: their series exist even at zero."""
    return routing.handlers()


_cache_lock = threading.Lock()
_cache: dict = {}  # {"at": monotonic time, "values": read(...)} of this process


def cached_read(settings) -> dict:
    """read() at most once per `metrics_cache_seconds` in this process."""
    with _cache_lock:
        if _cache and time.monotonic() - _cache["at"] < settings.metrics_cache_seconds:
            return _cache["values"]
        with get_pool(settings).connection() as conn, conn.transaction():
            values = read(conn)
        _cache.update(at=time.monotonic(), values=values)
        return values


def forget() -> None:
    """Drop the cached gauges (tests)."""
    with _cache_lock:
        _cache.clear()


class DatabaseCollector(Collector):
    """pts_outbox_pending, pts_deliveries_pending, pts_delivery_lag_seconds,
    pts_projection_lag_seconds, pts_dead_letters_open, pts_log_events, pts_database_up."""

    def collect(self):
        up = GaugeMetricFamily("pts_database_up", "1 when the gauges below could be read.")
        try:
            v = cached_read(get_settings())
        except Exception as exc:  # noqa: BLE001 - a scrape reports the outage, never fails
            log.warning("metrics: database gauges unavailable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("pts_outbox_pending", "Logged events not yet emitted.",
                                value=v["outbox"])
        yield GaugeMetricFamily("pts_dead_letters_open", "Dead letters neither redriven nor "
                                "discarded.", value=v["letters"])
        yield GaugeMetricFamily("pts_log_events", "Events in the log (its highest sequence "
                                "number).", value=v["log"])
        pending = GaugeMetricFamily("pts_deliveries_pending", "Local broker deliveries not yet "
                                    "done, per subscriber.", labels=["subscriber"])
        lag = GaugeMetricFamily("pts_delivery_lag_seconds", "Age of the oldest pending "
                                "delivery, per subscriber.", labels=["subscriber"])
        for name in sorted(set(subscribers()) | set(v["pending"])):
            n, age = v["pending"].get(name, (0, 0.0))
            pending.add_metric([name], n)
            lag.add_metric([name], max(0.0, age or 0.0))
        yield pending
        yield lag
        proj = GaugeMetricFamily("pts_projection_lag_seconds", "Receive time of the newest "
                                 "event a projection takes minus that of the newest it applied.",
                                 labels=["projection"])
        for name, seconds in sorted(v["lag"].items()):
            proj.add_metric([name], seconds)
        yield proj
