"""The composition root: which collaborators each function gets, chosen from the settings."""

from __future__ import annotations

import functools

from pts.broker import backlog, emission
from pts.broker.dispatcher import wake_local
from pts.config import Settings
from pts.db.pool import get_pool
from pts.eventing import emit
from pts.eventing.relay import RelayResult, relay_once
from pts.metrics.instruments import count_backpressure


def ingest_hooks(settings: Settings) -> dict:
    """What ingest does besides appending: outbox writes in the transaction (by the append
    statement itself; in local mode, a statement that also queues in the broker), emission
    after."""
    if settings.emit_mode == "local":  # the broker's queue is in the same database
        # The append statement queues and records the emissions itself; without a
        # dispatcher of its own to wake after the commit, ingest NOTIFYs the others.
        return {"append": functools.partial(emission.append_queued, settings=settings),
                "in_transaction": [] if settings.broker_dispatch else [
                    functools.partial(emission.notify_local, settings=settings)],
                "after_commit": [wake_local] if settings.broker_dispatch else []}
    return {
        "in_transaction": [],
        "outbox": True,  # the append statement writes the outbox rows (what emit.record does)
        "after_commit": [functools.partial(emit.emit_stored, get_pool(settings), settings)],
    }


def pace(settings: Settings) -> None:
    """Before ingest appends: in `pts up`, wait while its handlers are far behind
    (pts.broker.backlog); elsewhere the handlers do not share ingest's cores."""
    if settings.emit_mode == "local" and settings.broker_dispatch:
        waited = backlog.pace(settings)
        if waited:
            count_backpressure(waited)


def relay(settings: Settings, budget: float = 30.0) -> RelayResult:
    """One relay run with this process's pool, and the local broker in local mode."""
    pool = get_pool(settings)
    local = functools.partial(emission.send_local, pool) \
        if settings.emit_mode == "local" else None
    return relay_once(pool, settings, budget=budget, local=local)
