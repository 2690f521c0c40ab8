"""Fixtures of the search tests: the search function's client and a known data set written
straight into the log (so that received_at, which ingest sets to now(), is controlled)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INSERT = """
INSERT INTO platform_events (id, source, type, specversion, subject, time, data,
    received_at, occurred_at, service, environment, content_hash)
VALUES (%(id)s, %(source)s, %(type)s, '1.0', %(subject)s, %(time)s::timestamptz,
    %(data)s::jsonb, %(received_at)s::timestamptz,
    COALESCE(%(time)s::timestamptz, %(received_at)s::timestamptz),
    %(data)s::jsonb ->> 'service', %(data)s::jsonb ->> 'environment', 'h')
RETURNING seq
"""


def put(sql, type, data, *, time=None, received_at, subject=None, source="/ci/github",
        id=None):
    """Append one event to the log as ingest would; returns its seq."""
    row = {"id": id or f"{type}-{received_at}-{subject}", "source": source,
           "type": type if type.startswith("dev.") else f"dev.pts.{type}", "subject": subject,
           "time": time, "data": json.dumps(data), "received_at": received_at}
    return sql.execute(INSERT, row).fetchone()[0]


# (name, type, subject, time, received_at, data, source)
KNOWN = [
    ("image", "image.published", "ghcr.io/acme/api", "2026-11-01T09:00:00Z",
     "2026-11-01T09:01:00Z", {"repository": "ghcr.io/acme/api", "digest": "sha256:aaa",
                              "tag": "1.0", "service": "api"}, "/registry"),
    ("d1_started", "deployment.started", "d-1", "2026-11-01T10:00:00Z", "2026-11-01T10:01:00Z",
     {"deployment_id": "d-1", "service": "api", "environment": "prod", "version": "1.0",
      "pipeline": {"name": "ci", "run_id": 17}}, "/ci/github"),
    ("d1_succeeded", "deployment.succeeded", "d-1", "2026-11-01T10:05:00Z",
     "2026-11-01T10:06:00Z", {"deployment_id": "d-1", "service": "api",
                              "environment": "prod"}, "/ci/github"),
    ("d2_started", "deployment.started", "d-2", "2026-11-01T11:00:00Z", "2026-11-01T11:01:00Z",
     {"deployment_id": "d-2", "service": "api", "environment": "staging", "version": "1.1"},
     "/ci/github"),
    ("d2_failed", "deployment.failed", "d-2", "2026-11-01T11:03:00Z", "2026-11-01T11:04:00Z",
     {"deployment_id": "d-2", "service": "api", "environment": "staging",
      "reason": "image pull backoff"}, "/ci/github"),
    ("web_degraded", "service.health_changed", "web", "2026-11-01T12:00:00Z",
     "2026-11-01T12:01:00Z", {"service": "web", "environment": "prod", "status": "degraded",
                              "reason": "latency high"}, "/monitor"),
    ("maintenance", "platform.maintenance", None, None, "2026-11-01T13:00:00Z",
     {"note": "disk replaced", "tags": ["hw", "rack-3"], "replicas": 3, "done": True},
     "/ops"),
    ("late", "service.started", "web", "2026-11-01T08:00:00Z", "2026-11-01T14:00:00Z",
     {"service": "web", "environment": "prod", "version": "2.0"}, "/monitor"),
]


@pytest.fixture
def known(sql):
    """The known data set; name -> seq."""
    return {name: put(sql, type_, data, time=time, received_at=received, subject=subject,
                      source=source)
            for name, type_, subject, time, received, data, source in KNOWN}


def search_client():
    """The functions-framework test client of functions/search, as the platform serves it."""
    from functions_framework import create_app

    return create_app("search", str(ROOT / "functions" / "search" / "main.py")).test_client()


@pytest.fixture
def search(db_url):
    return search_client()
