"""When the earliest change a deployment shipped was made: from its `changes`, else its
`commit_time`, else a `dev.pts.change.merged` event of its commit (docs/dora.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pts.domain.timefmt import parse_rfc3339
from pts.insights import queries


def _time(value: Any) -> datetime | None:
    """An RFC 3339 string as a datetime; None for anything else (events stored before the
    catalog named these fields may hold any JSON there)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        return None


def _earliest(times: list[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def earliest_changes(conn, deployments: list[dict[str, Any]]) -> dict[str, datetime]:
    """deployment id -> the time of the earliest change it shipped, for those that name one."""
    from_changes: dict[str, list] = {}
    from_commit_time: dict[str, list] = {}
    for row in queries.shipped(conn, [d["deployment_id"] for d in deployments]):
        did = row["deployment_id"]
        if isinstance(row["changes"], list):
            from_changes.setdefault(did, []).extend(
                _time(c.get("time")) for c in row["changes"] if isinstance(c, dict))
        from_commit_time.setdefault(did, []).append(_time(row["commit_time"]))
    out: dict[str, datetime] = {}
    for d in deployments:
        did = d["deployment_id"]
        found = (_earliest(from_changes.get(did, []))
                 or _earliest(from_commit_time.get(did, [])))
        if found is not None:
            out[did] = found
    rest = {d["commit"] for d in deployments if d["deployment_id"] not in out and d["commit"]}
    merged: dict[str, list] = {}
    for row in queries.merged(conn, sorted(rest)):
        merged.setdefault(row["commit"], []).append(_time(row["time"]) or row["occurred_at"])
    for d in deployments:
        if d["deployment_id"] not in out and merged.get(d["commit"]):
            out[d["deployment_id"]] = min(merged[d["commit"]])
    return out
