"""Retention: prune finished work older than `retention_days`; the log is never pruned.

One small function per table, each deleting in batches of `retention_batch` rows (short
transactions) and bounded to the old end of its table by its identity column, so a prune
reads only old rows, never the retained window. What is pruned:

- broker_deliveries: deliveries no longer pending (delivered, dead_lettered, failed) whose
  `finished_at` is older than the cutoff (bounded by `id`, `created_at`);
- broker_events: the local broker's records of events (references to the log, or copies of
  events from elsewhere) with no delivery left, received before the cutoff (bounded by
  `id`, `received_at`); a reference outlives nothing it points at: the log is never pruned;
- event_emissions: outbox rows emitted before the cutoff (bounded by `seq`, `created_at`);
  the relay only reads rows with `emitted_at IS NULL`;
- dead_letters: letters closed (redriven or discarded) before the cutoff: the audit trail of
  failures that were dealt with. Open letters are kept whatever their age.

Never pruned: platform_events (the log), the projections and their handled-events records
(projections are folded from them), api_tokens.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pts.config import Settings
from pts.domain.timefmt import format_rfc3339

log = logging.getLogger(__name__)

_BEFORE = "coalesce((SELECT {id} FROM {table} WHERE {time} >= %(cutoff)s ORDER BY {id} " \
          "LIMIT 1), 9223372036854775807)"

DELIVERIES = f"""
DELETE FROM broker_deliveries WHERE id IN (
    SELECT id FROM broker_deliveries
    WHERE id < {_BEFORE.format(id="id", table="broker_deliveries", time="created_at")}
      AND status <> 'pending' AND finished_at < %(cutoff)s
    ORDER BY id LIMIT %(batch)s)
"""
BROKER_EVENTS = f"""
DELETE FROM broker_events WHERE id IN (
    SELECT e.id FROM broker_events e
    WHERE e.id < {_BEFORE.format(id="id", table="broker_events", time="received_at")}
      AND e.received_at < %(cutoff)s
      AND NOT EXISTS (SELECT 1 FROM broker_deliveries d WHERE d.event_id = e.id)
    ORDER BY e.id LIMIT %(batch)s)
"""
EMISSIONS = f"""
DELETE FROM event_emissions WHERE seq IN (
    SELECT seq FROM event_emissions
    WHERE seq < {_BEFORE.format(id="seq", table="event_emissions", time="created_at")}
      AND emitted_at < %(cutoff)s
    ORDER BY seq LIMIT %(batch)s)
"""
DEAD_LETTERS = """
DELETE FROM dead_letters WHERE id IN (
    SELECT id FROM dead_letters
    WHERE coalesce(discarded_at, redriven_at) < %(cutoff)s
    ORDER BY id LIMIT %(batch)s)
"""


def _batched(pool, sql: str, cutoff: datetime, batch: int) -> int:
    """Run a batched DELETE until it deletes less than a batch; returns the rows deleted."""
    total = 0
    while True:
        with pool.connection() as conn, conn.transaction():
            n = conn.execute(sql, {"cutoff": cutoff, "batch": batch}).rowcount
        total += n
        if n < batch:
            return total


def prune_deliveries(pool, cutoff: datetime, batch: int) -> int:
    """Finished local-broker deliveries older than cutoff."""
    return _batched(pool, DELIVERIES, cutoff, batch)


def prune_broker_events(pool, cutoff: datetime, batch: int) -> int:
    """The local broker's records of events (references or copies) with no delivery left."""
    return _batched(pool, BROKER_EVENTS, cutoff, batch)


def prune_emissions(pool, cutoff: datetime, batch: int) -> int:
    """Outbox rows of events emitted before cutoff."""
    return _batched(pool, EMISSIONS, cutoff, batch)


def prune_dead_letters(pool, cutoff: datetime, batch: int) -> int:
    """Dead letters redriven or discarded before cutoff."""
    return _batched(pool, DEAD_LETTERS, cutoff, batch)


def cutoff_for(settings: Settings, now: datetime | None = None) -> datetime:
    """The moment before which finished work is pruned."""
    now = now or datetime.now(UTC)
    return now - timedelta(days=settings.retention_days)


LOCK_KEY = 0x70747370  # one pruner at a time across workers and machines ("ptsp")


def prune(pool, settings: Settings, now: datetime | None = None) -> dict[str, int] | None:
    """Prune every table (deliveries before the events they point at); rows deleted per
    table, or None when another process is pruning right now."""
    with pool.connection() as lock:
        if not lock.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            lock.rollback()
            return None
        try:
            return _prune_all(pool, settings, now)
        finally:
            lock.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            lock.rollback()


def _prune_all(pool, settings: Settings, now: datetime | None) -> dict[str, int]:
    cutoff, batch = cutoff_for(settings, now), settings.retention_batch
    done = {
        "broker_deliveries": prune_deliveries(pool, cutoff, batch),
        "broker_events": prune_broker_events(pool, cutoff, batch),
        "event_emissions": prune_emissions(pool, cutoff, batch),
        "dead_letters": prune_dead_letters(pool, cutoff, batch),
    }
    if any(done.values()):
        log.info("pruned work finished before %s: %s", format_rfc3339(cutoff),
                 ", ".join(f"{n} {t}" for t, n in done.items() if n))
    return done
