"""The composition root: which collaborators each function gets, chosen from the settings."""

from __future__ import annotations

from pts.config import Settings


def ingest_hooks(settings: Settings) -> dict:
    """What ingest does besides appending: outbox writes in the transaction, emission after."""
    return {"in_transaction": [], "after_commit": []}
