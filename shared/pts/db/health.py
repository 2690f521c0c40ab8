"""Whether the database answers, as this process last saw it, said once per change.

While the database is unreachable every request would otherwise log its own error (and the
pool each of its reconnection attempts): the log says one line when it goes, one when it is
back, and requests answer 503 without waiting (pts.db.pool.FailFastPool).
"""

from __future__ import annotations

import logging
import threading

import psycopg

log = logging.getLogger(__name__)
_states: list[DatabaseState] = []
# What a serving process says when its database goes (a process that serves no requests,
# such as `pts up`'s dispatcher, says its own).
DOWN_LINE = "the database is unreachable (%s): requests answer 503 until it is back"


def any_down() -> bool:
    """Whether a database of this process is known to be unreachable (then errors about it
    are not logged one by one: it was said once)."""
    return any(s.down for s in _states)


class DatabaseState:
    """Up or down, from the outcome of the last connection attempt or check (one per pool:
    a process may use several databases, tests do)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down = False
        _states.append(self)

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.error(DOWN_LINE, reason)

    def ok(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("the database is reachable again")


class TrackedConnection(psycopg.Connection):
    """A connection whose connect outcome updates its pool's state (see tracked())."""

    state: DatabaseState

    @classmethod
    def connect(cls, *args, **kwargs):
        try:
            conn = super().connect(*args, **kwargs)
        except psycopg.OperationalError as exc:
            cls.state.failed(exc)
            raise
        cls.state.ok()
        return conn


def tracked(state: DatabaseState) -> type[TrackedConnection]:
    """The connection class of one pool, reporting to that pool's state."""
    return type("PoolConnection", (TrackedConnection,), {"state": state})
