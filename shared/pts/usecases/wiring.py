"""The composition root: which collaborators each function gets, chosen from the settings."""

from __future__ import annotations

import functools

from pts.config import Settings


def ingest_hooks(settings: Settings) -> dict:
    """What ingest does besides appending: outbox writes in the transaction, emission after."""
    from pts.db.pool import get_pool
    from pts.eventing import emit

    if settings.emit_mode == "local":  # the broker's queue is in the same database
        from pts.broker.dispatcher import wake_local

        return {"in_transaction": [functools.partial(emit.record_local, settings=settings)],
                "after_commit": [wake_local] if settings.broker_dispatch else []}
    return {
        "in_transaction": [emit.record],
        "after_commit": [functools.partial(emit.emit_stored, get_pool(settings), settings)],
    }

