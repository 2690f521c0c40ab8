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
from datetime import UTC, datetime

from pts.cli.commands import CommandError


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
                   "(default: $PTS_TOKEN, else $PTS_ADMIN_TOKEN)")
    p.add_argument("--end", default=None, help="RFC 3339 time the demo ends at (default: the "
                   "start of the current hour, UTC); the same --end posts the same events")
    p.add_argument("--batch", type=int, default=250, help="events per request (default 250)")
    p.set_defaults(func=run)


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
    req = urllib.request.Request(
        url, data=json.dumps(events).encode(), method="POST",
        headers={"Content-Type": "application/cloudevents-batch+json",
                 "Authorization": f"Bearer {token}"})
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
        raise CommandError(f"{url}: HTTP {exc.code}: {detail}{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CommandError(f"{url}: {getattr(exc, 'reason', exc)} (is `pts up` running?)"
                           ) from None


def run(args) -> int:
    from pts.demo.world import demo_events

    token = args.token or os.environ.get("PTS_TOKEN") or os.environ.get("PTS_ADMIN_TOKEN")
    if not token:
        raise CommandError("no token: pass --token or set PTS_TOKEN (ingest scope) or "
                           "PTS_ADMIN_TOKEN")
    if args.batch < 1:
        raise CommandError("--batch must be at least 1")
    end = end_time(args.end)
    events = demo_events(end)
    base = args.url.rstrip("/")
    new = duplicates = 0
    for i in range(0, len(events), args.batch):
        answer = post(base + "/function/ingest", token, events[i:i + args.batch])
        for item in answer.get("events", []):
            if item.get("duplicate"):
                duplicates += 1
            else:
                new += 1
    print(f"posted {len(events)} demo events ending {end.isoformat()}: {new} new, "
          f"{duplicates} duplicates")
    print(f"open {base}/function/admin/ (the handlers need a few seconds to catch up)")
    return 0
