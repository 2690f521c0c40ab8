"""Whether the database answers, as this process last saw it, said once per change.

While the database is unreachable every request would otherwise log its own error (and the
pool each of its reconnection attempts): the log says one line when it goes, one when it is
back, and requests answer 503 without waiting (pts.db.pool.FailFastPool).
"""

from __future__ import annotations

import logging
import threading

import psycopg

log = logging.getLogger("pts.db")


class DatabaseState:
    """Up or down, from the outcome of the last connection attempt or check."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down = False

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.error("the database is unreachable (%s): requests answer 503 until it is back",
                  reason)

    def ok(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("the database is reachable again")


STATE = DatabaseState()


class TrackedConnection(psycopg.Connection):
    """A connection whose connect outcome updates STATE (the pool creates them)."""

    @classmethod
    def connect(cls, *args, **kwargs):
        try:
            conn = super().connect(*args, **kwargs)
        except psycopg.OperationalError as exc:
            STATE.failed(exc)
            raise
        STATE.ok()
        return conn
