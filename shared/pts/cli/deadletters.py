"""`pts deadletters list|redrive|discard`: what exhausted its retries, and what to do with it.

Ids are checked before anything is done: one unknown (or no longer open) id is one error,
exit status 2, and no letter is touched.
"""

from __future__ import annotations

import json

from pts.cli.commands import CommandError, add_database_options, settings_from
from pts.domain.timefmt import json_default


def register(sub) -> None:
    p = sub.add_parser("deadletters", help="list, redrive and discard dead-lettered events",
                       description="Events the broker gave up on, as the deadletter "
                       "function stored them.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="list dead letters (newest first) with their reason")
    add_database_options(ls)
    ls.add_argument("--all", action="store_true", help="include redriven and discarded ones")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(func=run_list)
    rd = verbs.add_parser("redrive", help="re-emit dead letters (all open ones by default)")
    add_database_options(rd)
    rd.add_argument("ids", nargs="*", type=int, metavar="ID")
    rd.add_argument("--sink", default=None, help="POST them to this URL (a broker's ingress); "
                    "default: the local broker's queue in the same database")
    rd.set_defaults(func=run_redrive)
    dc = verbs.add_parser("discard", help="close open dead letters without redriving them")
    add_database_options(dc)
    dc.add_argument("ids", nargs="+", type=int, metavar="ID")
    dc.set_defaults(func=run_discard)


def _pool(args):
    from pts.db.pool import get_pool

    settings = settings_from(args)
    return settings, get_pool(settings)


def _one_line(text: str | None, width: int) -> str:
    from pts.logs import escape

    return escape(" ".join((text or "-").split()), width)


def run_list(args) -> int:
    from pts.search.letters import KEYSET, letters
    from pts.search.pagination import Page, Slice

    _, pool = _pool(args)
    with pool.connection() as conn:  # the search API's listing (no cursor is made: one page)
        rows, _ = letters(conn, Page(KEYSET, Slice(args.limit), secret=""),
                          "all" if args.all else "open")
    if args.json:
        for row in rows:
            print(json.dumps(row, default=json_default))
        return 0
    if not rows:
        print("no dead letters")
        return 0
    print(f"{'ID':>6}  {'RECEIVED':<19}  {'CODE':>4}  {'FAILS':>5}  {'TYPE':<32} "
          f"{'EVENT':<24} {'SUBSCRIBER':<24} REASON")
    for r in rows:
        mark = "" if r["state"] == "open" else f" ({r['state']})"
        kind = _one_line(r["event_type"], 32)
        event = _one_line(r["event_id"], 24)
        subscriber = _one_line(r["error_trigger"] or r["error_dest"], 24)
        why = _one_line(r["reason"] or r["redrive_error"], 60)
        print(f"{r['id']:>6}  {r['received_at'][:19].replace('T', ' '):<19}  "
              f"{r['error_code'] or '-':>4}  {r['failures']:>5}  {kind:<32} {event:<24} "
              f"{subscriber:<24} {why}{mark}")
    return 0


def run_redrive(args) -> int:
    from pts.usecases import deadletters
    from pts.usecases.deadletter_care import UnknownLetters, require_open

    settings, pool = _pool(args)
    with pool.connection() as conn, conn.transaction():
        try:
            if args.ids:
                require_open(conn, args.ids)
        except UnknownLetters as exc:
            raise CommandError(f"{exc}; nothing was redriven") from None
        send = (deadletters.http_resender(args.sink, settings) if args.sink
                else deadletters.broker_resender(conn, settings))
        done, failed = deadletters.redrive(conn, args.ids or None, send)
    for id_, error in failed.items():
        print(f"dead letter {id_}: not redriven: {error}")
    print(f"redriven {len(done)} dead letters" + (f"; {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


def run_discard(args) -> int:
    from pts.usecases.deadletter_care import UnknownLetters, discard

    _, pool = _pool(args)
    with pool.connection() as conn, conn.transaction():
        try:
            ids = discard(conn, args.ids)
        except UnknownLetters as exc:
            raise CommandError(f"{exc}; nothing was discarded") from None
    print(f"discarded {len(ids)} dead letters: {', '.join(map(str, ids))}")
    return 0
