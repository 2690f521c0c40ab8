"""`pts status`: how this PTS is doing, read from its database in a few cheap queries."""

from __future__ import annotations

import json

from pts.cli.commands import add_database_options, settings_from


def register(sub) -> None:
    p = sub.add_parser("status", help="versions, migration, log size, backlog, lag, dead "
                       "letters, largest tables, retention",
                       description="Report on this PTS (works while `pts up` runs).")
    add_database_options(p)
    p.add_argument("--json", action="store_true", help="the report as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from pts.db.pool import get_pool
    from pts.usecases.status import report

    settings = settings_from(args)
    with get_pool(settings).connection() as conn:
        doc = report(conn, settings)
        conn.rollback()
    print(json.dumps(doc, indent=2) if args.json else render(doc))
    return 0


def render(doc: dict) -> str:
    """The report as text."""
    from pts.usecases.status import human_bytes as hb

    v, m, log = doc["versions"], doc["migration"], doc["log"]
    lines = [
        f"pts {v['pts']}  (Python {v['python']}, PostgreSQL {v['postgresql']})",
        f"migration   {', '.join(m['current']) or 'none'}"
        + ("  (up to date)" if m["up_to_date"] else f"  (head {', '.join(m['head'])}: "
           "run pts migrate)"),
        f"log         {log['events']} events, {hb(log['bytes'])}; last received "
        f"{log['last_received_at'] or '-'}",
        f"database    {hb(doc['database_bytes'])}",
        f"outbox      {doc['outbox_pending']} events not yet emitted",
        f"dead letters {doc['dead_letters_open']} open",
        "",
        f"{'SUBSCRIBER':<14}{'PENDING':>9}{'OLDEST (s)':>12}{'PROJECTION LAG (s)':>20}",
    ]
    for name, sub in doc["subscribers"].items():
        lag = doc["projection_lag_seconds"].get(name)
        lines.append(f"{name:<14}{sub['pending']:>9}{sub['oldest_pending_seconds']:>12.1f}"
                     f"{'-' if lag is None else f'{lag:.1f}':>20}")
    lines += ["", f"{'TABLE':<32}{'SIZE':>12}{'ROWS (est.)':>14}"]
    lines += [f"{t['table']:<32}{hb(t['bytes']):>12}{t['rows_estimate']:>14}"
              for t in doc["largest_tables"]]
    r = doc["retention"]
    lines += ["", f"retention   finished work older than {r['days']:g} days is pruned "
              f"(pts prune; pts up every {r['interval_seconds']:g} s); the log never"]
    return "\n".join(lines)
