"""In-process delivery (`pts up`): the dispatcher applies a batch of a projection handler's
deliveries itself, in one transaction with their `delivered` marks, through the same code
as the handler's HTTP entry (`pts.projections.delivery.apply_events`). No HTTP round trip to
its own server, no second transaction per delivery. On Knative nothing of this runs: the
Trigger POSTs each event to the handler.

The dispatcher's batches are not claimed first: `apply_due` locks the due deliveries
(FOR UPDATE SKIP LOCKED) in the transaction that applies them and marks them delivered, so
a delivery is written twice (inserted, marked) before it is pruned, not three times, and a
batch is one transaction. A handler's deliveries are split into `broker_partitions`
partitions by the service their event names (the deliveries' part_key, a hash of it: one
service's deliveries are always in one partition), and one batch per partition runs at a
time across processes (an advisory lock, pts.broker.queue.lock_due); any other locker's
rows are skipped. So batches of one handler overlap their waits on PostgreSQL on disjoint
keys (the projections' key locks keep them correct whatever they share, as on Knative
where deliveries arrive concurrently). If the process dies, the locks go with its
connection and the deliveries are due at once.

An event the handler refuses (4xx) is settled like a refused HTTP delivery (dead-lettered);
the others of the batch are applied. A failure of the apply (a deadlock, a bug) is rolled
back to a savepoint and every delivery of the batch is scheduled for a retry with backoff,
as a 5xx would be, in the same transaction; when the connection itself is lost, nothing is
recorded and the batch is due again (its lost locks).
"""

from __future__ import annotations

import json
import logging

from pts.broker import backlog, deliver, queue, triggers
from pts.config import Settings
from pts.eventing.http import Response
from pts.http.errors import as_problem
from pts.projections.delivery import apply_events
from pts.projections.registry import PROJECTIONS

log = logging.getLogger(__name__)

PROBLEM = {"Content-Type": "application/problem+json"}


def handles(handler: str, settings: Settings) -> bool:
    """Whether this dispatcher applies the handler's deliveries itself: a projection handler
    served by this same `pts up` (no URL override) while `broker_in_process` is on."""
    return (settings.broker_in_process and handler in PROJECTIONS
            and handler not in settings.broker_subscribers
            and triggers.subscriber_url(handler, settings) is not None)


def url(handler: str, settings: Settings) -> str:
    return f"in-process:{triggers.subscriber_url(handler, settings)}"


def apply_due(pool, handler: str, limit: int, settings: Settings, part: int | None = None
              ) -> int | None:
    """Lock up to limit due deliveries of one handler, of its partition part of
    `broker_partitions` (None: of every partition, as one batch), and apply them, all in
    one transaction (the dispatcher's way: no separate claim); returns how many were
    locked, None when another process has a batch of this partition in flight."""
    parts = settings.broker_partitions
    with pool.connection() as conn, conn.transaction():
        batch = queue.lock_due(conn, handler, limit, part, parts)
        if batch is not None:  # ingest's backpressure (pts.broker.backlog)
            for k in range(parts) if part is None else (part,):
                backlog.note(handler, batch.lag, k)
        if batch:
            _apply(conn, handler, batch, settings)
    return None if batch is None else len(batch)


def _apply(conn, handler: str, batch: list[queue.Delivery], settings: Settings) -> None:
    """Apply the batch under a savepoint and record every outcome in the caller's
    transaction, which holds the deliveries' locks until it commits: a failed
    apply is rolled back to the savepoint and each delivery scheduled for a retry as a 503
    would be; an event the handler refuses is settled as a refused HTTP delivery."""
    where = url(handler, settings)
    try:
        with conn.transaction():
            problems, _new = apply_events(conn, PROJECTIONS[handler], [d.event for d in batch])
            queue.delivered_many(conn, [d for d, p in zip(batch, problems, strict=True)
                                        if p is None], 204)
    except Exception as exc:  # noqa: BLE001 - retried like a 5xx; the next attempt may pass
        if conn.broken:  # nothing can be recorded: the lost locks make the batch due again
            raise
        log.warning("batch of %d for %s failed: %s", len(batch), handler, exc)
        for d in batch:
            deliver.record(conn, d, where, Response(503, {}, b""), f"in-process: {exc}",
                           settings)
        return
    refused = [(d, p) for d, p in zip(batch, problems, strict=True) if p is not None]
    log.info("delivered %d events to %s in one batch", len(batch) - len(refused), handler)
    for d, p in ((d, as_problem(r)) for d, r in refused):
        body = json.dumps({"title": p.title, "status": p.status, "detail": p.detail}).encode()
        deliver.record(conn, d, where, Response(p.status, PROBLEM, body), f"HTTP {p.status}",
                       settings)
