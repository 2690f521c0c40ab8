"""The DORA four keys of one environment (and optionally one service) over [since, until).
Every definition is in docs/dora.md; this module follows it line by line."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime
from typing import Any

from pts.insights import queries
from pts.insights.changes import earliest_changes
from pts.insights.incidents import fold_incidents
from pts.insights.stats import median, nearest_rank, number

COUNTED = ("succeeded", "failed", "rolled_back")  # cancelled: no change reached anyone
FAILED = ("failed", "rolled_back")


def _link(rows: list[dict], after: dict) -> None:
    """Give each deployment of one service (sorted by finish) the finish of the next
    deployment and of the next succeeded one, strictly later; `after` holds those that
    finished after the window. One backward pass: equal finishes share their next."""
    next_finish, next_success = after["next_finish"], after["next_success"]
    end = len(rows)
    while end > 0:
        start, at = end, rows[end - 1]["finished_at"]
        while start > 0 and rows[start - 1]["finished_at"] == at:
            start -= 1
        for r in rows[start:end]:
            r["next_finish"], r["next_success"] = next_finish, next_success
        next_finish = at
        if any(r["status"] == "succeeded" for r in rows[start:end]):
            next_success = at
        end = start


def _followed_by_incident(r: dict, opened: list) -> bool:
    """An incident (opened times, sorted) at or after r's finish, before the next finish."""
    i = bisect_left(opened, r["finished_at"])
    return i < len(opened) and (r["next_finish"] is None or opened[i] < r["next_finish"])


def four_keys(conn, environment: str, service: str | None, since: datetime,
              until: datetime) -> dict[str, Any]:
    """The /dora answer (times as datetimes; the route formats them)."""
    rows = queries.window(conn, environment, service, since, until)
    by_service: dict[str, list[dict]] = {}
    for r in rows:  # in finish order, so each service's list is too
        by_service.setdefault(r["service"], []).append(r)
    after = queries.following(conn, environment, sorted(by_service), until)
    for name, mine in by_service.items():
        _link(mine, after[name])
    ok = [r for r in rows if r["status"] == "succeeded"]
    failures = [r for r in rows if r["status"] in FAILED]

    # Incidents: opened in the window (time to restore) or after a succeeded deployment of
    # the window and before the next deployment finished (change failure rate).
    ends = [r["next_finish"] for r in ok]
    high = None if any(e is None for e in ends) else max([until, *ends])
    found = fold_incidents(queries.incidents(conn, environment, since, high), environment,
                           service)
    opened: dict[str, list] = {}
    for inc in sorted(found, key=lambda i: i["opened_at"]):
        opened.setdefault(inc["service"], []).append(inc["opened_at"])
    caused = [r for r in ok if _followed_by_incident(r, opened.get(r["service"], []))]

    changes = earliest_changes(conn, ok)
    leads = [(r["finished_at"] - changes[r["deployment_id"]]).total_seconds() for r in ok
             if r["deployment_id"] in changes and changes[r["deployment_id"]] <= r["finished_at"]]
    restores = [(r["next_success"] - r["finished_at"]).total_seconds() for r in failures
                if r["next_success"] is not None]
    restores += [(i["resolved_at"] - i["opened_at"]).total_seconds() for i in found
                 if since <= i["opened_at"] < until and i["resolved_at"] is not None]

    days = (until - since).total_seconds() / 86400
    total = sum(1 for r in rows if r["status"] in COUNTED)
    failed = len(failures) + len(caused)
    return {
        "environment": environment, "service": service, "since": since, "until": until,
        "deployment_frequency": {
            "deployments": len(ok), "per_day": number(len(ok) / days if days else 0),
            "deployment_days": len({r["finished_at"].astimezone(UTC).date() for r in ok})},
        "lead_time_for_changes": {
            "count": len(leads), "median_seconds": number(median(leads)),
            "p90_seconds": number(nearest_rank(leads, 90))},
        "change_failure_rate": {
            "failed": failed, "total": total,
            "rate": number(failed / total) if total else None},
        "time_to_restore": {"count": len(restores),
                            "median_seconds": number(median(restores))},
    }

