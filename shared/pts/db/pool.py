"""One psycopg pool per process and database.

Functions serve requests on many threads, so the pool is created once per process and
database URL, and every request takes its own connection (its own unit of work).
"""

from __future__ import annotations

import threading

from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from pts.config import Settings, get_settings
from pts.db.urls import to_conninfo

_lock = threading.Lock()
_pools: dict[str, ConnectionPool] = {}


def database_url(settings: Settings | None = None) -> str:
    """The URL in use: DATABASE_URL, or the embedded server's (started on first use)."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    from pts.db.embedded import ensure_embedded

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
            _pools[url] = ConnectionPool(
                to_conninfo(url),
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                timeout=settings.pool_timeout,
                kwargs={"autocommit": False, "row_factory": tuple_row},
                check=ConnectionPool.check_connection,
                name="pts",
                open=True,
            )
        return _pools[url]


def close_all() -> None:
    """Close every pool of this process (tests, shutdown)."""
    with _lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def close_for(url: str) -> None:
    """Close the pool of one database (tests drop databases after use)."""
    with _lock:
        pool = _pools.pop(url, None)
        if pool is not None:
            pool.close()
