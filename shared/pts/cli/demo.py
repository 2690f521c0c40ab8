"""`pts demo`: post a few weeks of a made-up platform to a running PTS, over its ingest API.

It is an ordinary producer: CloudEvents in batches to /function/ingest with an ingest token.
The events are deterministic for a given --end (default: the start of the current hour), so
running it again is a run of duplicates that PTS acknowledges and does not store twice.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from pts.cli.commands import CommandError, add_database_options, management_pool
from pts.cloudevents.encode import to_batch
from pts.domain.timefmt import format_rfc3339


def register(sub) -> None:
    p = sub.add_parser(
        "demo", help="post a realistic demo stream of events to a running PTS",
        description="Post four weeks of deployments, failures, rollbacks, health changes and "
        "image publications of five services across dev, staging and prod (event times in "
        "the past) to a running PTS, over its ingest API. Safe to run twice: the second run "
        "is all duplicates.")
    p.add_argument("--url", default=os.environ.get("PTS_URL", "http://127.0.0.1:8080"),
                   help="PTS base URL (default: $PTS_URL or http://127.0.0.1:8080)")
    p.add_argument("--token", default=None, help="a token with the ingest scope "
                   "(default: $PTS_TOKEN, else $PTS_ADMIN_TOKEN, else a new `demo` token "
                   "made in the local database, printed for the browser)")
    p.add_argument("--end", default=None, help="RFC 3339 time the demo ends at (default: the "
                   "start of the current hour, UTC); the same --end posts the same events")
    p.add_argument("--batch", type=int, default=250, help="events per request (default 250)")
    add_database_options(p)
    p.set_defaults(func=run)


def local_token(args) -> str:
    """A new token (ingest, read) named demo[-N], made in the database `pts up` uses (the
    same --data-dir / --database-url), for a first run with no token at hand."""
    from pts.auth import store

    pool = management_pool(args)
    for n in range(1, 100):
        name = "demo" if n == 1 else f"demo-{n}"
        try:
            token, _ = store.create(pool, name, ["ingest", "read"], None)
        except store.NameTaken:
            continue
        print(f"no token given: created token {name!r} (scopes ingest, read); paste it into "
              f"the admin page:\n  {token}")
        return token
    raise CommandError("no token given, and tokens demo to demo-99 exist: pass --token")


class Conflict(CommandError):
    """409: demo events with these ids are stored with other content (another --end)."""


def end_time(raw: str | None) -> datetime:
    """--end parsed, or now rounded down to the hour."""
    from pts.domain.timefmt import parse_rfc3339

    if raw is None:
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise CommandError(f"--end: not an RFC 3339 time: {raw!r}") from None


def post(url: str, token: str, events: list[dict]) -> dict:
    """POST one batch; the ingest answer, or CommandError with the problem's detail."""
    headers, body = to_batch(events)
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={**headers, "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail", "")
        except ValueError:
            detail = ""
        hint = {401: " (check --token / $PTS_TOKEN)", 403: " (the token needs the ingest scope)",
                409: " (demo events with other times are already stored: pass the --end of "
                     "the first run)"}.get(exc.code, "")
        error = Conflict if exc.code == 409 else CommandError
        raise error(f"{url}: HTTP {exc.code}: {detail}{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CommandError(f"{url}: {getattr(exc, 'reason', exc)} (is `pts up` running?)"
                           ) from None


def earlier_end(base: str, token: str) -> datetime | None:
    """The --end of the demo already stored: its first event is `days` before it."""
    from pts.demo.platform import SOURCE
    from pts.demo.world import World
    from pts.domain.timefmt import parse_rfc3339

    req = urllib.request.Request(
        f"{base}/function/search/events?source={SOURCE}&type=dev.pts.service.registered"
        "&limit=1", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            items = json.loads(resp.read())["items"]
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None
    if not items:
        return None
    return parse_rfc3339(items[0]["time"]) + timedelta(days=World.days)


def run(args) -> int:
    from pts.demo.world import demo_events

    if args.batch < 1:
        raise CommandError("--batch must be at least 1")
    end = end_time(args.end)
    events = demo_events(end)
    token = (args.token or os.environ.get("PTS_TOKEN") or os.environ.get("PTS_ADMIN_TOKEN")
             or local_token(args))
    base = args.url.rstrip("/")
    try:
        answer = post(base + "/function/ingest", token, events[:args.batch])
    except Conflict:
        # A demo made at another hour is stored: run that one again (all duplicates).
        earlier = None if args.end is not None else earlier_end(base, token)
        if earlier is None:
            raise
        end = earlier
        print(f"the demo ending {format_rfc3339(end)} is already stored; posting it again")
        events = demo_events(end)
        answer = post(base + "/function/ingest", token, events[:args.batch])
    new = duplicates = 0
    for i in range(0, len(events), args.batch):
        if i:
            answer = post(base + "/function/ingest", token, events[i:i + args.batch])
        for item in answer.get("events", []):
            if item.get("duplicate"):
                duplicates += 1
            else:
                new += 1
    print(f"posted {len(events)} demo events ending {format_rfc3339(end)}: {new} new, "
          f"{duplicates} duplicates")
    print(f"open {base}/function/admin/ (the handlers need a few seconds to catch up)")
    return 0
