"""`pts deadletters list|redrive`: what exhausted its retries, and sending it again."""

from __future__ import annotations

import json

from pts.cli.commands import CommandError, add_database_options, settings_from
from pts.domain.timefmt import json_default


def register(sub) -> None:
    p = sub.add_parser("deadletters", help="list and redrive dead-lettered events",
                       description="Events the broker gave up on, as the deadletter "
                       "function stored them.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="list dead letters (newest first)")
    add_database_options(ls)
    ls.add_argument("--all", action="store_true", help="include those already redriven")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(func=run_list)
    rd = verbs.add_parser("redrive", help="re-emit dead letters (all open ones by default)")
    add_database_options(rd)
    rd.add_argument("ids", nargs="*", type=int, metavar="ID")
    rd.add_argument("--sink", default=None, help="POST them to this URL (a broker's ingress); "
                    "default: the local broker's queue in the same database")
    rd.set_defaults(func=run_redrive)


def _pool(args):
    from pts.db.pool import get_pool

    settings = settings_from(args)
    return settings, get_pool(settings)


def run_list(args) -> int:
    from pts.services.deadletters import list_letters

    _, pool = _pool(args)
    with pool.connection() as conn:
        rows = list_letters(conn, include_redriven=args.all, limit=args.limit)
    if args.json:
        for row in rows:
            print(json.dumps(row, default=json_default))
        return 0
    if not rows:
        print("no dead letters")
        return 0
    print(f"{'ID':>6}  {'RECEIVED':<20} {'CODE':>4}  {'TYPE':<32} {'EVENT':<24} DESTINATION")
    for r in rows:
        mark = " (redriven)" if r["redriven_at"] else ""
        print(f"{r['id']:>6}  {r['received_at']:%Y-%m-%d %H:%M:%S}  {r['error_code'] or '-':>4}"
              f"  {r['event_type']:<32} {r['event_id']:<24} {r['error_dest']}{mark}")
    return 0


def run_redrive(args) -> int:
    from pts.services import deadletters

    settings, pool = _pool(args)
    with pool.connection() as conn, conn.transaction():
        send = (deadletters.http_resender(args.sink, settings) if args.sink
                else deadletters.broker_resender(conn, settings))
        done, failed = deadletters.redrive(conn, args.ids or None, send)
    for id_, error in failed.items():
        print(f"dead letter {id_}: not redriven: {error}")
    missing = set(args.ids) - set(done) - set(failed)
    print(f"redriven {len(done)} dead letters" + (f"; {len(failed)} failed" if failed else ""))
    if missing:
        raise CommandError(f"no open dead letter with id {', '.join(map(str, sorted(missing)))}")
    return 1 if failed else 0
