"""The search tests' data: a known data set written straight into the log (so that
received_at, which ingest sets to now(), is controlled), and a small platform projected by the
real handlers."""

from __future__ import annotations

import json

from tests.support.env import function_client

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



def search_client():
    """The functions-framework test client of functions/search, as the platform serves it,
    sending the test token (read scope included)."""
    return function_client("search")



def project(events: list[dict]) -> dict[str, int]:
    """Ingest raw CloudEvents and deliver each to every handler that takes its type, as the
    broker would; returns id -> seq."""
    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.domain.envelope import validate_event
    from pts.projections.delivery import apply_delivered
    from pts.projections.registry import PROJECTIONS
    from pts.usecases.ingest import ingest

    pool = get_pool(get_settings())
    accepted = ingest(pool, [validate_event(raw) for raw in events])
    for raw in events:
        for projection in PROJECTIONS.values():
            if raw["type"] in projection.types:
                apply_delivered(pool, projection, raw)
    return {a.id: a.seq for a in accepted}


A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
API = "ghcr.io/acme/api"


def ev(type_, clock, subject=None, **data):
    """A catalog event on 2026-11-01 at clock (HH:MM), id named after type and subject."""
    return {"specversion": "1.0", "id": f"{type_}/{subject or data.get('service')}/{clock}",
            "source": "/test", "type": f"dev.pts.{type_}", "subject": subject,
            "time": f"2026-11-01T{clock}:00Z", "data": data}


def deploy(did, clock, service, environment, version=None, image=None, commit=None):
    return ev("deployment.started", clock, did, deployment_id=did, service=service,
              environment=environment, version=version, image=image, commit=commit,
              actor="ann")


def outcome(kind, did, clock, service, environment, **kw):
    return ev(f"deployment.{kind}", clock, did, deployment_id=did, service=service,
              environment=environment, **kw)


def _clean(event):
    event["data"] = {k: v for k, v in event["data"].items() if v is not None}
    if event["subject"] is None:
        del event["subject"]
    return event


PLATFORM = [_clean(e) for e in [
    ev("service.registered", "09:00", "api", service="api", owner="team-a", tier="1"),
    ev("image.published", "09:10", "img", repository=API, digest=A, tag="1.0", service="api",
       commit="abc1111"),
    ev("service.started", "09:30", "web", service="web", environment="prod", version="2.0",
       image="ghcr.io/acme/web:2.0"),
    deploy("d1", "10:00", "api", "prod", "1.0", f"{API}:1.0@{A}", "abc1111"),
    outcome("succeeded", "d1", "10:05", "api", "prod"),
    ev("image.published", "11:10", "img", repository=API, digest=B, tag="1.1", service="api",
       commit="bcd2222"),
    deploy("d2", "11:30", "api", "staging", "1.1", f"{API}:1.1@{B}", "bcd2222"),
    outcome("succeeded", "d2", "11:35", "api", "staging"),
    deploy("d3", "12:00", "api", "prod", "1.1", f"{API}:1.1@{B}", "bcd2222"),
    outcome("failed", "d3", "12:04", "api", "prod", reason="image pull backoff"),
    ev("service.health_changed", "12:30", "web", service="web", environment="prod",
       status="degraded", reason="latency"),
    ev("service.health_changed", "12:45", "web", service="web", environment="prod",
       status="healthy"),
    deploy("d4", "13:00", "api", "prod", "1.1", f"{API}:1.1@{B}", "bcd2222"),
    outcome("succeeded", "d4", "13:05", "api", "prod"),
    outcome("rolled_back", "d4", "14:00", "api", "prod", to_version="1.0",
            reason="errors up"),
    deploy("d5", "15:00", "web", "prod", "2.1", "ghcr.io/acme/web:2.1"),
]]
