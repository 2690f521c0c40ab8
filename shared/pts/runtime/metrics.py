"""GET /metrics: the Prometheus text format, for `pts up` and for each served function.

With several worker processes (PROMETHEUS_MULTIPROC_DIR set), the counters of every worker
are merged from that directory; the database gauges are read once per scrape either way.
"""

from __future__ import annotations

import hmac
import os
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    values,
)

from pts.config import get_settings
from pts.metrics import instruments  # noqa: F401 - the counters exist from the first scrape
from pts.usecases.gauges import DatabaseCollector

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess(directory: Path) -> Path:
    """Empty directory and point PROMETHEUS_MULTIPROC_DIR at it (before any worker starts:
    files left by an earlier run would add its counts to this one's)."""
    directory = Path(directory).resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[ENV] = str(directory)
    # prometheus_client picks its value class (in memory, or files in that directory) when
    # first imported; this process may have imported it already. The instruments' labelled
    # series are made on first use, in the workers, with the class chosen here.
    values.ValueClass = values.get_value_class()
    return directory


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (its counters stay: they are totals)."""
    if os.environ.get(ENV):
        multiprocess.mark_process_dead(pid)


def render() -> tuple[bytes, str]:
    """The exposition body and its content type."""

    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    """The process's default registry, as one collector of a per-scrape registry."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        yield from self.registry.collect()


def _allowed(environ) -> bool:
    """True without PTS_METRICS_TOKEN, else only with `Authorization: Bearer <it>`."""

    token = get_settings().metrics_token
    if not token:
        return True
    sent = environ.get("HTTP_AUTHORIZATION", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


def metrics_app(environ, start_response):
    """The WSGI application of /metrics (GET or HEAD)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                                  ("Content-Length", "0")])
        return [b""]
    if not _allowed(environ):
        body = (b'{"type": "about:blank", "title": "Unauthorized", "status": 401, '
                b'"detail": "send the metrics token (PTS_METRICS_TOKEN) as a bearer token"}')
        start_response("401 Unauthorized", [("Content-Type", "application/problem+json"),
                                            ("WWW-Authenticate", 'Bearer realm="metrics"'),
                                            ("Content-Length", str(len(body)))])
        return [b""] if method == "HEAD" else [body]
    body, content_type = render()
    start_response("200 OK", [("Content-Type", content_type),
                              ("Content-Length", str(len(body)))])
    return [b""] if method == "HEAD" else [body]
