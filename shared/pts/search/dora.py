"""GET /dora: the DORA four keys of an environment over a window (docs/dora.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field

from pts.http.answers import Answer, Inline
from pts.insights.dora import four_keys
from pts.search.db import reading, times
from pts.search.params import Query, Text, Time, bad_request
from pts.search.routes import Context

DEFAULT_DAYS = 30
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECONDS = "Seconds; null when count is 0."


class DeploymentFrequency(Inline):
    """Succeeded deployments, per day of the window, and distinct UTC days with one."""

    deployments: int
    per_day: float
    deployment_days: int


class LeadTime(Inline):
    """Finish minus the earliest change shipped, over succeeded deployments that name one;
    p90 is the nearest-rank 90th percentile."""

    count: int
    median_seconds: float | None = Field(description=SECONDS)
    p90_seconds: float | None = Field(description=SECONDS)


class ChangeFailureRate(Inline):
    """Failed, rolled-back, or followed by an incident before the next deployment; rate is
    null when total is 0."""

    failed: int
    total: int
    rate: float | None


class TimeToRestore(Inline):
    """Failed or rolled-back deployment to the next succeeded one; incident opened to
    resolved."""

    count: int
    median_seconds: float | None = Field(description=SECONDS)


class Dora(Answer):
    """The DORA four keys over [since, until); every definition is in docs/dora.md."""

    environment: str
    service: str | None
    since: datetime
    until: datetime
    deployment_frequency: DeploymentFrequency
    lead_time_for_changes: LeadTime
    change_failure_rate: ChangeFailureRate
    time_to_restore: TimeToRestore


class DoraQuery(Query):
    environment: Text = Field(description="The environment, exactly.")
    service: Text | None = Field(None, description="One service, exactly; default: every "
                                 "service of the environment.")
    since: Time | None = Field(None, description="Window start (inclusive); default: until "
                               f"minus {DEFAULT_DAYS} days.")
    until: Time | None = Field(None, description="Window end (exclusive); default: now.")


def window(since: datetime | None, until: datetime | None,
           days: int = DEFAULT_DAYS) -> tuple[datetime, datetime]:
    """[since, until) from the parameters and their defaults; 400 when since is after
    until (equal: an empty window, answered with zeros). A `since` in the future without
    `until` gives an empty window at `since`."""
    if until is None:  # now; or, for a window that starts later, an empty one there
        until = max(datetime.now(UTC).replace(microsecond=0), since or _EPOCH)
    try:
        since = since or until - timedelta(days=days)
    except OverflowError:
        raise bad_request([{"parameter": "until", "message": f"less than {days} days after "
                            "the earliest representable time; give since"}]) from None
    if since > until:
        raise bad_request([{"parameter": "since", "message": "since is after until"}])
    return since.astimezone(UTC), until.astimezone(UTC)


def get_dora(ctx: Context, f: DoraQuery) -> dict[str, Any]:
    """The four keys of one environment (and optionally one service) over a window."""
    since, until = window(f.since, f.until)
    with reading(ctx.settings) as conn:
        answer = four_keys(conn, f.environment, f.service, since, until)
    return times(answer, "since", "until")
