"""The counters and histograms PTS records as it works.

prometheus_client stores each labelled series in memory, or in files under
PROMETHEUS_MULTIPROC_DIR when several workers serve (pts.runtime.metrics.prepare_multiprocess,
before the workers start, chooses). The series are made on first use, in the workers.
Label values come from closed sets (function names, status codes, catalog prefixes), never
from what a client sent as is, so a hostile client cannot grow the number of series.
"""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any

from prometheus_client import Counter, Histogram, disable_created_metrics

from pts.domain.catalog import CATALOG, PLATFORM_PREFIX, PREFIX

disable_created_metrics()  # *_created series: noise to a scraper, absent in multiprocess mode

INGEST_EVENTS = Counter(
    "pts_ingest_events", "Events posted to ingest, by type prefix and outcome "
    "(stored, duplicate, refused).", ["type_prefix", "outcome"])
BACKPRESSURE = Counter(
    "pts_ingest_backpressure_seconds", "Time ingest requests of `pts up` waited for its "
    "projection handlers to catch up before appending (PTS_BACKPRESSURE_LAG).")
HTTP_REQUESTS = Counter(
    "pts_http_requests", "Requests answered by each function, by status code.",
    ["function", "status"])
HTTP_DURATION = Histogram(
    "pts_http_request_duration_seconds", "Time each function took to answer.", ["function"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))

KNOWN_PREFIXES = frozenset(t.rsplit(".", 1)[0] for t in CATALOG) | {PLATFORM_PREFIX[:-1]}


def type_prefix(event_type: object, foreign_types: list[str] | tuple[str, ...] = ()) -> str:
    """The label of an event type: its catalog family (`dev.pts.deployment`), the configured
    foreign prefix it falls under, or `other`."""
    if not isinstance(event_type, str):
        return "other"
    if not event_type.startswith(PREFIX) and PREFIX + event_type in CATALOG:
        event_type = PREFIX + event_type  # the short form plain JSON may use
    family = ".".join(event_type.split(".")[:3])
    if event_type.startswith(PREFIX):
        return family if family in KNOWN_PREFIXES else "other"
    return next((p for p in foreign_types if event_type.startswith(p)), "other")


# Labelled series by their labels: `labels()` takes a lock and builds its key at every call;
# the series it returns are the same objects every time (closed label sets, see above).
_series: dict[tuple, Any] = {}


def _one(metric: Any, *labels: str) -> Any:
    key = (metric, *labels)
    series = _series.get(key)
    if series is None:
        series = _series.setdefault(key, metric.labels(*labels))
    return series


def count_ingest(types: list, outcome: str, foreign_types=()) -> None:
    """Count events of one outcome, by prefix (one increment per distinct label)."""
    for prefix, n in Tally(type_prefix(t, foreign_types) for t in types).items():
        _one(INGEST_EVENTS, prefix, outcome).inc(n)


def count_backpressure(seconds: float) -> None:
    BACKPRESSURE.inc(seconds)


def count_request(function: str, status: int, seconds: float) -> None:
    _one(HTTP_REQUESTS, function, str(status)).inc()
    _one(HTTP_DURATION, function).observe(seconds)


def count_ingested(types: list[str], duplicates: list[bool], settings) -> None:
    """Count one accepted request's events as stored or duplicate (parallel lists)."""
    foreign = settings.foreign_types
    if not any(duplicates):
        count_ingest(types, "stored", foreign)
        return
    count_ingest([t for t, d in zip(types, duplicates, strict=True) if not d], "stored", foreign)
    count_ingest([t for t, d in zip(types, duplicates, strict=True) if d], "duplicate", foreign)
