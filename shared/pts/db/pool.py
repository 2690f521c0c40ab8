"""One psycopg pool per process and database; SQLAlchemy borrows from the same pool.

Functions serve requests on many threads, so the pool is created once per process and
database URL, and every request takes its own connection (its own unit of work).
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

from pts.config import Settings, get_settings
from pts.db.embedded import embedded_urls, ensure_embedded
from pts.db.health import DatabaseState, tracked
from pts.db.urls import to_conninfo
from pts.domain.jsonnum import loads_stored

_lock = threading.Lock()
_pools: dict[str, ConnectionPool] = {}
_on_close: list[Callable[[ConnectionPool], None]] = []
_on_connect: list[Callable[[psycopg.Connection[Any]], object]] = []
log = logging.getLogger(__name__)
_INTRANS, _INERROR = psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR


def _configure(conn) -> None:
    # jsonb numbers come back exactly (a Decimal where a float would change the value).
    set_json_loads(loads_stored, conn)
    for callback in _on_connect:
        try:
            callback(conn)
        except Exception:  # noqa: BLE001 - a warm-up is an optimisation: never lose the connection
            log.debug("a new connection's warm-up failed", exc_info=True)
        if conn.info.transaction_status in (_INTRANS, _INERROR):
            conn.rollback()  # the pool takes only idle connections


class CappedAttempt(AttemptWithBackoff):
    """psycopg_pool's reconnection schedule with its wait capped. Uncapped it doubles (1,
    2, 4, 8 s... up to `reconnect_timeout`), so after a long outage one worker could answer
    503 for many seconds after the database, and the other workers, were back."""

    def __init__(self, *, timeout: float, cap: float):
        super().__init__(timeout=timeout)
        self.cap = cap

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, self.cap)


class FailFastPool(ConnectionPool):
    """A pool that answers at once when the database is known to be unreachable, and is
    serving again as soon as it is back.

    A request waits for a connection in short steps; after each, it gives up if the last
    attempt to connect failed (the pool's own reconnection attempts tell), and keeps waiting
    up to the pool's timeout otherwise (a busy pool, not a dead database). While the
    database is marked down, a request also starts a connection attempt of its own (one at
    a time, at most one per step): the first request after the database's return is served
    by it, rather than answering 503 until the pool's next scheduled attempt."""

    step: float  # PTS_DB_FAIL_FAST, set by get_pool before the pool is opened
    reconnect_max: float  # PTS_DB_RECONNECT_MAX, likewise
    state: DatabaseState
    _probe_at = 0.0
    _probing = False

    def _add_connection(self, attempt: AttemptWithBackoff | None,
                        growing: bool = False) -> None:
        # The one place psycopg_pool starts a reconnection schedule: start it capped.
        if attempt is None:
            attempt = CappedAttempt(timeout=self.reconnect_timeout, cap=self.reconnect_max)
        super()._add_connection(attempt, growing)

    def getconn(self, timeout: float | None = None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if self.state.down:
            self._probe()
        while True:
            left = deadline - time.monotonic()
            try:
                return super().getconn(max(min(self.step, left), 0.01))
            except PoolTimeout:
                if self.state.down or time.monotonic() >= deadline:
                    raise

    def _probe(self) -> None:
        """Connect once, in the background, and add the connection to the pool (handed to
        a request waiting for one, if any). In a thread, so that a request never waits on
        a connect timeout: it waits its step, as without the probe."""
        now = time.monotonic()
        with self._lock:
            if self._probing or now < self._probe_at or self._nconns >= self.max_size:
                return
            self._probing, self._probe_at = True, now + self.step
            self._nconns += 1  # counted as psycopg_pool counts a connection being added
        threading.Thread(target=self._run_probe, name="pts-db-probe", daemon=True).start()

    def _run_probe(self) -> None:
        try:
            conn = self._connect()
        except Exception:  # noqa: BLE001 - the failure is the state's (pts.db.health)
            with self._lock:
                self._nconns -= 1
        else:
            self._add_to_pool(conn)
        finally:
            self._probing = False


def database_url(settings: Settings | None = None) -> str:
    """The URL in use: DATABASE_URL, or the embedded server's (started on first use)."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return ensure_embedded(settings.data_dir)


def get_pool(settings: Settings | None = None) -> ConnectionPool:
    """The process-wide psycopg pool for the configured database."""
    settings = settings or get_settings()
    url = database_url(settings)
    pool = _pools.get(url)
    if pool is not None:
        return pool
    with _lock:
        if url not in _pools:
            state = DatabaseState()
            pool = FailFastPool(
                to_conninfo(url),
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                timeout=settings.pool_timeout,
                connection_class=tracked(state),  # connect outcomes: pts.db.health
                kwargs={"autocommit": False, "row_factory": tuple_row, "connect_timeout": 2},
                # No round trip at checkout (a SELECT 1 per request was 9% of a worker's
                # time under load): only a look at the idle socket, see _idle_check.
                check=_idle_check,
                configure=_configure,
                name="pts",
                open=False,  # opened below, once its own settings are in
            )
            pool.step, pool.state = settings.db_fail_fast, state
            pool.reconnect_max = settings.db_reconnect_max
            pool.open()
            _pools[url] = pool
        return _pools[url]


def _idle_check(conn: psycopg.Connection[Any]) -> None:
    """Checkout check without a round trip: an idle connection's socket has nothing to read
    unless the server closed it (a restart, a killed backend); only then ask the server,
    which raises and makes the pool discard it and hand out another."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def migrate_url(settings: Settings | None = None) -> str:
    """The schema owner's URL (migrations, replay): PTS_MIGRATE_DATABASE_URL, else
    DATABASE_URL (one role does both), else the embedded server's owner."""
    settings = settings or get_settings()
    if settings.migrate_database_url:
        return settings.migrate_database_url
    if settings.database_url:
        return settings.database_url
    return embedded_urls(settings.data_dir).owner


def on_close(callback: Callable[[ConnectionPool], None]) -> None:
    """Have callback(pool) called whenever one of these pools is closed (what is tied to a
    pool, such as pts.auth.cache's listening connection, goes with it)."""
    _on_close.append(callback)


def on_connect(callback: Callable[[psycopg.Connection[Any]], object]) -> None:
    """Have callback(conn) run on every new pooled connection of this process, in the pool's
    own thread before any request gets it (a function warms the server's caches for its
    statements: pts.search.warm). Its errors are logged at debug level and ignored."""
    if callback not in _on_connect:
        _on_connect.append(callback)


def _close(pool: ConnectionPool) -> None:
    pool.close()
    for callback in _on_close:
        callback(pool)


def close_all() -> None:
    """Close every pool of this process (tests, shutdown)."""
    with _lock:
        for pool in _pools.values():
            _close(pool)
        _pools.clear()


def close_for(url: str) -> None:
    """Close the pool of one database (tests drop databases after use)."""
    with _lock:
        pool = _pools.pop(url, None)
        if pool is not None:
            _close(pool)
