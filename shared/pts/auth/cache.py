"""Tokens this process verified recently, so most requests skip the lookup's round trip.

An entry lives `token_cache_seconds` at most. Every change to api_tokens (create, revoke,
rescope, delete; not the audit's last-used writes) NOTIFYs `pts_tokens` at commit (migration
0015); each process LISTENs on its own connection and, before trusting any entry, reads what
arrived on it without waiting (a look at the socket, no round trip). A notification empties
the whole cache: token changes are rare. When the listening connection is missing or broken,
nothing is trusted until it is back. So a revocation is refused by every request that a
process starts after the NOTIFY reached it (within milliseconds of the revoking commit), and
after `token_cache_seconds` at the latest if the notification is lost on the way.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time

import psycopg

from pts.db.pool import on_close

log = logging.getLogger(__name__)

CHANNEL = "pts_tokens"
RECONNECT_SECONDS = 1.0
MAX_ENTRIES = 10_000  # only verified tokens get in; the bound is for safety


class TokenCache:
    """Verified (record, stored hash) pairs by token hash, for one database."""

    def __init__(self, conninfo: str, ttl: float):
        self.conninfo, self.ttl = conninfo, ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, object]] = {}
        self._listener: psycopg.Connection | None = None
        self._retry_at = 0.0
        self.generation = 0  # bumped at every invalidation

    def get(self, digest: str) -> tuple[object | None, int | None]:
        """(the cached lookup result or None, the generation to pass to put, or None when
        nothing may be cached now: the channel is down)."""
        now = time.monotonic()
        with self._lock:
            reconnect = self._listener is None and now >= self._retry_at
            if reconnect:
                self._retry_at = now + RECONNECT_SECONDS
        if reconnect:
            self._listen()  # outside the lock: other requests go on without the cache
        with self._lock:
            if not self._listening():
                return None, None
            entry = self._entries.get(digest)
            generation = self.generation
        return (entry[1] if entry and entry[0] > now else None), generation

    def put(self, digest: str, found, generation: int) -> None:
        """Remember a lookup started at `generation`, unless the cache was emptied since
        (the lookup may predate the change that emptied it)."""
        now = time.monotonic()
        with self._lock:
            if not self._listening() or generation != self.generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = (now + self.ttl, found)

    def _listen(self) -> None:
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=2)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.debug("token cache off: cannot listen (%s)", exc)
            return
        with self._lock:
            if self._listener is None and self._retry_at != float("inf"):
                self._listener = conn
                self._invalidate()  # changes made while nobody listened
                return
        conn.close()

    def _listening(self) -> bool:
        """Read pending notifications; False when the channel is down (cache emptied)."""
        conn = self._listener
        if conn is None:
            return False
        try:
            pg, notified = conn.pgconn, False
            # A server closing the connection sends a message, then EOF: read until the
            # socket is quiet (EOF makes consume_input raise).
            for _ in range(8):
                if not select.select([conn.fileno()], [], [], 0)[0]:
                    break
                pg.consume_input()
                while pg.notifies() is not None:
                    notified = True
            else:
                raise psycopg.OperationalError("the listening connection keeps talking")
            if notified:
                self._invalidate()
            if pg.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("listening connection lost")
        except (psycopg.Error, OSError, ValueError) as exc:
            log.debug("token cache off: listening connection lost (%s)", exc)
            self._drop()
            return False
        return True

    def _invalidate(self) -> None:
        self._entries.clear()
        self.generation += 1

    def _drop(self) -> None:
        self._invalidate()
        conn, self._listener = self._listener, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()
            self._retry_at = float("inf")


_lock = threading.Lock()
_caches: dict[object, TokenCache] = {}  # by pool: one per process and database


def for_pool(pool, ttl: float) -> TokenCache | None:
    """This process's cache for the pool's database; None when caching is off (ttl 0)."""
    if ttl <= 0:
        return None
    cache = _caches.get(pool)
    if cache is None:
        with _lock:
            cache = _caches.get(pool)
            if cache is None:
                cache = _caches[pool] = TokenCache(pool.conninfo, ttl)
    cache.ttl = ttl
    return cache


def _pool_closed(pool) -> None:
    with _lock:
        cache = _caches.pop(pool, None)
    if cache is not None:
        cache.close()


def reset() -> None:
    """Forget every cached token (tests)."""
    with _lock:
        caches = list(_caches.values())
    for cache in caches:
        with cache._lock:
            cache._invalidate()


on_close(_pool_closed)
