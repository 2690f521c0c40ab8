"""In-process delivery (`pts up`): the dispatcher applies a batch of a projection handler's
deliveries itself, in one transaction with their `delivered` marks, through the same code
as the handler's HTTP entry (`pts.projections.delivery.apply_events`). No HTTP round trip to
its own server, no second transaction per delivery. On Knative nothing of this runs: the
Trigger POSTs each event to the handler.

An event the handler refuses (4xx) is settled like a refused HTTP delivery (dead-lettered);
the others of the batch are applied. A failure of the transaction (database down, deadlock)
schedules every delivery of the batch for a retry, as a 5xx would.
"""

from __future__ import annotations

import json
import logging

from pts.broker import deliver, queue, triggers
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


def apply_batch(pool, handler: str, batch: list[queue.Delivery], settings: Settings) -> None:
    """Apply claimed deliveries of one handler; record every outcome."""
    where = url(handler, settings)
    try:
        with pool.connection() as conn, conn.transaction():
            problems, _new = apply_events(conn, PROJECTIONS[handler], [d.event for d in batch])
            queue.delivered_many(conn, [d for d, p in zip(batch, problems, strict=True)
                                        if p is None], 204)
    except Exception as exc:  # noqa: BLE001 - retried like a 5xx; the next attempt may pass
        log.warning("batch of %d for %s failed: %s", len(batch), handler, exc)
        for d in batch:
            deliver.settle(pool, d, where, Response(503, {}, b""), f"in-process: {exc}",
                           settings)
        return
    refused = [(d, p) for d, p in zip(batch, problems, strict=True) if p is not None]
    log.info("delivered %d events to %s in one batch", len(batch) - len(refused), handler)
    for d, p in ((d, as_problem(r)) for d, r in refused):
        body = json.dumps({"title": p.title, "status": p.status, "detail": p.detail}).encode()
        deliver.settle(pool, d, where, Response(p.status, PROBLEM, body), f"HTTP {p.status}",
                       settings)
