"""What `pts status` and GET /function/admin/api/status report: versions, migration, log
size, backlog and lag, dead letters, the largest tables, retention. Every figure is an
index lookup or a catalog read (no COUNT over the log), so the report stays fast."""

from __future__ import annotations

import platform
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from pts.config import Settings
from pts.db.revision import current_revisions, head_revisions
from pts.domain.timefmt import format_rfc3339
from pts.usecases.gauges import read, subscribers

LARGEST = """
SELECT c.relname, pg_total_relation_size(c.oid), coalesce(s.n_live_tup, 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
ORDER BY 2 DESC LIMIT %s
"""


def _version() -> str:
    try:
        return version("pts")
    except PackageNotFoundError:
        return "unknown"


def _iso(value: datetime | None) -> str | None:
    return format_rfc3339(value) if value else None


def report(conn, settings: Settings, largest: int = 8) -> dict:
    """The whole report, read in conn's transaction."""
    gauges = read(conn)
    current = sorted(current_revisions(conn))
    head = sorted(head_revisions())
    first, last = conn.execute(
        "SELECT (SELECT received_at FROM platform_events ORDER BY seq LIMIT 1), "
        "(SELECT received_at FROM platform_events ORDER BY seq DESC LIMIT 1)").fetchone()
    sizes = conn.execute(
        "SELECT pg_total_relation_size('platform_events'), "
        "pg_database_size(current_database())").fetchone()
    return {
        "versions": {"pts": _version(), "python": platform.python_version(),
                     "postgresql": conn.execute("SHOW server_version").fetchone()[0]},
        "migration": {"current": current, "head": head, "up_to_date": current == head},
        "log": {"events": gauges["log"], "bytes": sizes[0], "first_received_at": _iso(first),
                "last_received_at": _iso(last)},
        "database_bytes": sizes[1],
        "outbox_pending": gauges["outbox"],
        "subscribers": {name: {"pending": n, "oldest_pending_seconds": round(age or 0.0, 3)}
                        for name, (n, age) in _with_all(gauges["pending"]).items()},
        "projection_lag_seconds": {k: round(v, 3) for k, v in sorted(gauges["lag"].items())},
        "dead_letters_open": gauges["letters"],
        "largest_tables": [{"table": t, "bytes": b, "rows_estimate": max(r, 0)}
                           for t, b, r in conn.execute(LARGEST, (largest,)).fetchall()],
        "retention": {"days": settings.retention_days,
                      "interval_seconds": settings.retention_interval,
                      "batch": settings.retention_batch,
                      "pruned": ["broker_deliveries", "broker_events", "event_emissions",
                                 "dead_letters (closed)"],
                      "never_pruned": ["platform_events"]},
    }


def _with_all(pending: dict) -> dict:
    return {name: pending.get(name, (0, 0.0)) for name in sorted(set(subscribers())
                                                                  | set(pending))}


def human_bytes(n: int) -> str:
    """1536 -> '1.5 KiB'."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
