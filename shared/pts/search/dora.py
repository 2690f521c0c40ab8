"""GET /dora: the DORA four keys of an environment over a window (docs/dora.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pts.insights.dora import four_keys
from pts.search import schemas as s
from pts.search.db import reading, times
from pts.search.params import Param, bad_request, parse_query
from pts.search.routes import Context

DEFAULT_DAYS = 30
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NUMBER = {"type": "number"}
NUMBER_OR_NULL = {"type": ["number", "null"]}
SECONDS = {"type": ["number", "null"], "description": "Seconds; null when count is 0."}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": properties,
            "required": list(properties), "additionalProperties": False}


s.item("Dora", {
    "environment": s.TEXT, "service": s.TEXT_OR_NULL, "since": s.TIME, "until": s.TIME,
    "deployment_frequency": _object(
        {"deployments": s.INT, "per_day": NUMBER, "deployment_days": s.INT},
        "Succeeded deployments, per day of the window, and distinct UTC days with one."),
    "lead_time_for_changes": _object(
        {"count": s.INT, "median_seconds": SECONDS, "p90_seconds": SECONDS},
        "Finish minus the earliest change shipped, over succeeded deployments that name "
        "one; p90 is the nearest-rank 90th percentile."),
    "change_failure_rate": _object(
        {"failed": s.INT, "total": s.INT, "rate": NUMBER_OR_NULL},
        "Failed, rolled-back, or followed by an incident before the next deployment; "
        "rate is null when total is 0."),
    "time_to_restore": _object(
        {"count": s.INT, "median_seconds": SECONDS},
        "Failed or rolled-back deployment to the next succeeded one; incident opened to "
        "resolved."),
}, "The DORA four keys over [since, until); every definition is in docs/dora.md.")

PARAMS = [
    Param("environment", "The environment, exactly.", required=True),
    Param("service", "One service, exactly; default: every service of the environment."),
    Param("since", f"Window start (inclusive); default: until minus {DEFAULT_DAYS} days.",
          "time"),
    Param("until", "Window end (exclusive); default: now.", "time"),
]


def window(f: dict[str, Any], days: int = DEFAULT_DAYS) -> tuple[datetime, datetime]:
    """[since, until) from the parameters and their defaults; 400 when since is after
    until (equal: an empty window, answered with zeros). A `since` in the future without
    `until` gives an empty window at `since`."""
    until = f.get("until")
    if until is None:  # now; or, for a window that starts later, an empty one there
        until = max(datetime.now(UTC).replace(microsecond=0), f.get("since") or _EPOCH)
    try:
        since = f.get("since") or until - timedelta(days=days)
    except OverflowError:
        raise bad_request([{"parameter": "until", "message": f"less than {days} days after "
                            "the earliest representable time; give since"}]) from None
    if since > until:
        raise bad_request([{"parameter": "since", "message": "since is after until"}])
    return since.astimezone(UTC), until.astimezone(UTC)


def get_dora(ctx: Context) -> dict[str, Any]:
    """The four keys of one environment (and optionally one service) over a window."""
    f = parse_query(ctx.args, PARAMS)
    since, until = window(f)
    with reading(ctx.settings) as conn:
        answer = four_keys(conn, f["environment"], f["service"], since, until)
    return times(answer, "since", "until")
