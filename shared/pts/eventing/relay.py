"""The relay: re-emit events whose emission was not acknowledged within `relay_delay`.

Each batch is claimed with FOR UPDATE SKIP LOCKED inside one transaction, so relays running
at once (several `pts up` workers, overlapping cron runs) never send the same batch together.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from psycopg.rows import dict_row

from pts.cloudevents.event import to_json
from pts.config import Settings
from pts.eventing import emit

log = logging.getLogger(__name__)

CLAIM = """
SELECT p.seq, p.id, p.source, p.type, p.specversion, p.subject, p.time, p.datacontenttype,
       p.dataschema, p.extensions, p.data, p.data_base64
FROM event_emissions e JOIN platform_events p ON p.seq = e.seq
WHERE e.emitted_at IS NULL
  AND e.created_at <= now() - make_interval(secs => %(delay)s)
  AND (e.last_attempt_at IS NULL OR e.last_attempt_at <= now() - make_interval(secs => %(delay)s))
ORDER BY e.seq
LIMIT %(limit)s
FOR UPDATE OF e SKIP LOCKED
"""


@dataclass
class RelayResult:
    emitted: int = 0
    failed: int = 0
    batches: int = 0

    def as_json(self) -> dict:
        return {"emitted": self.emitted, "failed": self.failed, "batches": self.batches}


def relay_once(pool, settings: Settings, *, budget: float = 30.0,
               local: emit.LocalSend | None = None) -> RelayResult:
    """Re-emit pending events, batch after batch, until none is due, a batch fails, or the
    time budget (seconds) is spent. `local` sends in local mode (see emit.send); the
    composition root passes it (pts.usecases.wiring.relay)."""
    result = RelayResult()
    if not emit.configured(settings):
        log.debug("relay: no sink configured; nothing to do")
        return result
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        with pool.connection() as conn, conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                rows = cur.execute(CLAIM, {"delay": settings.relay_delay,
                                           "limit": settings.relay_batch}).fetchall()
            if not rows:
                break
            outcomes = emit.send(((r["seq"], to_json(r)) for r in rows), settings, local)
            emit.save(conn, outcomes)
        result.batches += 1
        ok = sum(o.ok for o in outcomes)
        result.emitted += ok
        result.failed += len(outcomes) - ok
        if ok < len(outcomes) or len(rows) < settings.relay_batch:
            break
    if result.emitted or result.failed:
        log.info("relay: re-emitted %d events, %d failed", result.emitted, result.failed)
    return result
