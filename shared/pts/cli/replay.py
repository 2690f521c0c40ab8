"""`pts replay`: rebuild the projections (deployments, services, images) from the log."""

from __future__ import annotations

import sys

from pts.cli.commands import CommandError, add_database_options, settings_from


def register(sub) -> None:
    p = sub.add_parser(
        "replay", help="rebuild projections from the event log",
        description="Rebuild the tables of each handler from the log, while PTS "
        "runs: the rebuilt tables replace the old ones atomically. With --from SEQ, apply "
        "the log from SEQ on in place instead (catch up missed deliveries).",
    )
    add_database_options(p)
    p.add_argument("--handler", action="append", metavar="NAME",
                   help="deployments, services or images (repeatable; default: all)")
    p.add_argument("--from", dest="from_seq", type=int, metavar="SEQ",
                   help="apply events with seq >= SEQ in place instead of a full rebuild")
    p.add_argument("--batch", type=int, default=1000, help="events per transaction")
    p.set_defaults(func=run)


def bar(name: str):
    """A progress bar on stderr for one handler."""

    def show(done: int, total: int) -> None:
        width = 30
        filled = width if total == 0 else width * done // total
        sys.stderr.write(f"\r{name:<12} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total} events")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def run(args) -> int:
    import psycopg

    from pts.db.pool import migrate_url
    from pts.db.urls import to_conninfo
    from pts.projections.registry import PROJECTIONS
    from pts.projections.replay import ReplayBusy, Replayed, replay, replay_many

    names = args.handler or list(PROJECTIONS)
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise CommandError(f"unknown handler {unknown[0]!r}; choose from "
                           f"{', '.join(PROJECTIONS)}")
    if args.from_seq is not None and args.from_seq < 1:
        raise CommandError("--from takes a sequence number, 1 or more")
    if args.batch < 1:
        raise CommandError("--batch must be 1 or more")

    def report(name: str, done: Replayed) -> None:
        print(f"{name}: {done.applied} events applied, {done.skipped} skipped, "
              f"{done.caught_up} caught up from live handling")

    # The rebuild creates and swaps tables: it runs as the schema's owner.
    with psycopg.connect(to_conninfo(migrate_url(settings_from(args)))) as conn:
        try:
            if args.from_seq is None:  # the handlers' tables are rebuilt together
                wanted = [PROJECTIONS[n] for n in dict.fromkeys(names)]
                for name, done in replay_many(conn, wanted, progress=bar).items():
                    report(name, done)
            else:
                for name in names:
                    report(name, replay(conn, PROJECTIONS[name], from_seq=args.from_seq,
                                        batch=args.batch, progress=bar(name)))
        except ReplayBusy as exc:
            for name, done in exc.done.items():
                report(name, done)
            raise CommandError(str(exc)) from None
    return 0
