"""Helpers of the insights tests: events posted to the ingest function over HTTP, then
delivered to every handler that takes their type (through the library function the
handlers' HTTP entry point calls), in any order; the search function's answers."""

from __future__ import annotations

import itertools
import json

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.projections.delivery import apply_delivered
from pts.projections.registry import PROJECTIONS
from tests.conftest import function_client

ENV = "prod"
SINCE, UNTIL = "2026-11-01T00:00:00Z", "2026-11-11T00:00:00Z"  # a 10-day window
_ids = itertools.count(1)


def at(day: int, clock: str) -> str:
    """2026-11-<day>T<clock>:00Z."""
    return f"2026-11-{day:02d}T{clock}:00Z"


def ev(type_: str, when: str, **data) -> dict:
    """A structured CloudEvent of a catalog type (short form), with a fresh id."""
    return {"specversion": "1.0", "id": f"i{next(_ids)}", "source": "/test",
            "type": f"dev.pts.{type_}", "time": when,
            "data": {k: v for k, v in data.items() if v is not None}}


def deployment(did: str, service: str, start: str, end: str | None, outcome="succeeded",
               environment: str = ENV, **started) -> list[dict]:
    """A deployment's started event and, when end is given, its outcome."""
    ids = {"deployment_id": did, "service": service, "environment": environment}
    out = [ev("deployment.started", start, version=started.pop("version", "1.0"),
              **ids, **started)]
    if end is not None:
        out.append(ev(f"deployment.{outcome}", end, **ids))
    return out


def incident(kind: str, incident_id: str, service: str, time: str,
             environment: str = ENV) -> dict:
    return ev(f"incident.{kind}", time, incident_id=incident_id, service=service,
              environment=environment)


def post(events: list[dict], order: list[dict] | None = None) -> None:
    """Ingest events in one batch over HTTP, then deliver them to the handlers in `order`
    (default: the same order)."""
    resp = function_client("ingest").post(
        "/", data=json.dumps(events), content_type="application/cloudevents-batch+json")
    assert resp.status_code == 202, resp.get_json()
    pool = get_pool(get_settings())
    for raw in order or events:
        for projection in PROJECTIONS.values():
            if raw["type"] in projection.types:
                apply_delivered(pool, projection, raw)


def get(path: str, status: int = 200, **params):
    """GET a search route with the test token; the JSON answer."""
    resp = function_client("search").get(path, query_string=params)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def dora(status: int = 200, **params) -> dict:
    params = {"environment": ENV, "since": SINCE, "until": UNTIL, **params}
    return get("/dora", status, **{k: v for k, v in params.items() if v is not None})


def keys(answer: dict) -> dict:
    """The four keys of a /dora answer, without the echoed parameters."""
    return {k: v for k, v in answer.items()
            if k not in ("environment", "service", "since", "until")}


def expected(deployments=0, per_day=0, days=0, lead=(0, None, None), cfr=(0, 0, None),
             ttr=(0, None)) -> dict:
    """The four keys as /dora answers them."""
    return {
        "deployment_frequency": {"deployments": deployments, "per_day": per_day,
                                 "deployment_days": days},
        "lead_time_for_changes": dict(zip(("count", "median_seconds", "p90_seconds"), lead,
                                          strict=True)),
        "change_failure_rate": dict(zip(("failed", "total", "rate"), cfr, strict=True)),
        "time_to_restore": dict(zip(("count", "median_seconds"), ttr, strict=True)),
    }
