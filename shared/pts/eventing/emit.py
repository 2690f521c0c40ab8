"""Emission, the outbox way: a row in event_emissions is written in the ingest transaction;
after commit each new event is sent as a binary-mode CloudEvent, and the row records the
outcome. What is not acknowledged stays pending for the relay (pts.eventing.relay).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg

from pts import routing
from pts.cloudevents.encode import to_binary
from pts.cloudevents.event import to_json
from pts.config import Settings
from pts.db.health import any_down
from pts.eventing.http import Sender, TransportError
from pts.logs import escape

log = logging.getLogger(__name__)

RECORD = "INSERT INTO event_emissions (seq) SELECT unnest(%s::bigint[])"

# One statement for a whole batch of outcomes; an earlier success is never undone.
OUTCOMES = """
UPDATE event_emissions e SET
    attempts = e.attempts + 1,
    last_attempt_at = now(),
    emitted_at = COALESCE(e.emitted_at, CASE WHEN u.ok THEN now() END),
    last_error = CASE WHEN u.ok THEN NULL ELSE u.err END
FROM unnest(%s::bigint[], %s::bool[], %s::text[]) AS u(seq, ok, err)
WHERE e.seq = u.seq
"""


def record(conn: psycopg.Connection, stored: list) -> None:
    """In the ingest transaction: one pending emission row per new event. (Ingest has the
    append statement write the same rows: pts.eventlog.append(..., outbox=True).)"""
    if stored:
        conn.execute(RECORD, ([s.seq for s in stored],))


def overrides(settings: Settings) -> dict[str, Any]:
    """The extensions of K_CE_OVERRIDES (`{"extensions": {...}}`), or none."""
    if not settings.ce_overrides:
        return {}
    try:
        return dict(json.loads(settings.ce_overrides).get("extensions") or {})
    except (ValueError, AttributeError):
        log.warning("K_CE_OVERRIDES is not a JSON object with extensions: ignored")
        return {}


def outgoing(event: dict[str, Any], seq: int, settings: Settings) -> dict[str, Any]:
    """The emitted form: the stored event, its sequence number as `ptsseq`, the overrides."""
    return {**event, "ptsseq": seq, **overrides(settings)}


def configured(settings: Settings) -> bool:
    """Whether events have somewhere to go (without a sink, emission waits for one)."""
    return settings.emit_mode != "sink" or bool(settings.sink)


def targets(event_type: str, settings: Settings) -> list[str] | None:
    """Where an event goes: the sink, or every subscriber's OpenFaaS async URL.
    None when no sink is configured (emission waits for one)."""
    if settings.emit_mode == "openfaas":
        base = settings.openfaas_gateway.rstrip("/")
        return [f"{base}/async-function/{h}" for h in routing.subscribers(event_type)]
    return [settings.sink] if settings.sink else None


@dataclass(frozen=True)
class Outcome:
    seq: int
    ok: bool
    error: str | None = None


# Local mode's sender: (seq, event) pairs and the settings -> one outcome each.
LocalSend = Callable[[list[tuple[int, dict]], Settings], list[Outcome]]


def send(events: Iterable[tuple[int, dict]], settings: Settings,
         local: LocalSend | None = None) -> list[Outcome]:
    """Send each (seq, event) to its targets. After a transport error the rest are not tried
    (the sink is down; the relay will try again), and come back as failed. In local mode the
    events go to `local` (the broker of `pts up`, passed in by pts.usecases.wiring)."""
    events = list(events)
    if settings.emit_mode == "local":
        if local is None:
            return [Outcome(seq, False, "no local broker in this process") for seq, _ in events]
        return local(events, settings)
    n = min(settings.emit_concurrency, len(events))
    if n <= 1:
        return _send_http(events, settings)
    # A large batch is sent over n connections at once: the ingest answer waits for it.
    chunks = [events[i::n] for i in range(n)]
    with ThreadPoolExecutor(n, thread_name_prefix="pts-emit") as workers:
        results = list(workers.map(lambda chunk: _send_http(chunk, settings), chunks))
    by_seq = {o.seq: o for chunk in results for o in chunk}
    return [by_seq[seq] for seq, _ in events]


def _send_http(events: list[tuple[int, dict]], settings: Settings) -> list[Outcome]:
    outcomes: list[Outcome] = []
    down: str | None = None
    with Sender(settings.emit_timeout) as sender:
        for seq, event in events:
            urls = targets(event["type"], settings)
            if urls is None:
                outcomes.append(Outcome(seq, False, "no sink configured (K_SINK)"))
                continue
            if down:
                outcomes.append(Outcome(seq, False, down))
                continue
            headers, body = to_binary(outgoing(event, seq, settings))
            error = None
            for url in urls:
                try:
                    resp = sender.post(url, headers, body)
                except TransportError as exc:
                    error = down = f"{url}: {exc}"
                    break
                if not resp.ok:
                    error = f"{url}: HTTP {resp.status} {resp.body[:200]!r}"
            outcomes.append(Outcome(seq, error is None, error))
    return outcomes


def save(conn: psycopg.Connection, outcomes: list[Outcome]) -> None:
    """Record outcomes in one statement."""
    if outcomes:
        conn.execute(OUTCOMES, ([o.seq for o in outcomes], [o.ok for o in outcomes],
                                [o.error for o in outcomes]))


def emit_stored(pool, settings: Settings, stored: list) -> None:
    """After the ingest commit: emit the new events. Never raises: the events are safe in the
    log and the outbox, and the relay re-emits what this could not."""
    if not stored or not configured(settings):
        return  # pending in the outbox until a sink is configured and the relay runs
    try:
        outcomes = send(((s.seq, to_json(s.envelope)) for s in stored), settings)
        failed = [o for o in outcomes if not o.ok]
        if failed:
            log.warning("emission of %d of %d events failed: %s", len(failed), len(outcomes),
                        escape(failed[0].error))
        with pool.connection() as conn, conn.transaction():
            save(conn, outcomes)
    except Exception as exc:  # noqa: BLE001 - the request already succeeded; the relay catches up
        if not isinstance(exc, psycopg.OperationalError):
            log.exception("emission after commit failed; the relay will re-emit")
        elif not any_down():  # once down, said once for all by pts.db.health
            log.warning("emission after commit failed (database unavailable: %s); the relay "
                        "will re-emit", exc)
