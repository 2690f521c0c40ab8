"""`pts prune`: delete finished work older than PTS_RETENTION_DAYS now (pts up also does it
every PTS_RETENTION_INTERVAL seconds). The log is never pruned."""

from __future__ import annotations

from pts.cli.commands import CommandError, add_database_options, settings_from


def register(sub) -> None:
    p = sub.add_parser("prune", help="delete finished broker work, emitted outbox rows and "
                       "closed dead letters older than the retention (never the log)",
                       description="Prune what retention allows (docs/operations.md).")
    add_database_options(p)
    p.add_argument("--days", type=float, default=None,
                   help="retention in days (default: $PTS_RETENTION_DAYS or 7)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pts.db.pool import get_pool
    from pts.retention import prune

    settings = settings_from(args)
    if args.days is not None:
        if args.days < 0:
            raise CommandError("--days must be 0 or more")
        settings = settings.model_copy(update={"retention_days": args.days})
    done = prune(get_pool(settings), settings)
    if done is None:
        raise CommandError("another process is pruning right now; try again later")
    print(", ".join(f"{table}: {n}" for table, n in done.items()) + " rows pruned")
    return 0
