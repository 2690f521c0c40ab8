"""Per-installation secrets (migration 0011): random keys made when the database was
migrated, read once per process. A setting, when set, overrides the stored key.
The table's model is pts.db.models.InstallationSecret."""

from __future__ import annotations

import threading

from pts.config import Settings
from pts.db.pool import database_url, get_pool

SEARCH_CURSOR = "search_cursor"

_lock = threading.Lock()
_cache: dict[tuple[str, str], str] = {}


def stored_secret(settings: Settings, name: str) -> str:
    """The installation's secret called name (cached per process and database)."""
    key = (database_url(settings), name)
    found = _cache.get(key)
    if found is not None:
        return found
    with get_pool(settings).connection() as conn:
        row = conn.execute("SELECT value FROM pts_secrets WHERE name = %s", (name,)).fetchone()
    if row is None:
        raise RuntimeError(f"no secret {name!r} in pts_secrets: run `pts migrate`")
    with _lock:
        _cache[key] = row[0]
    return row[0]


def search_cursor_secret(settings: Settings) -> str:
    """The key that seals search cursors: PTS_SEARCH_CURSOR_SECRET, else the installation's."""
    return settings.search_cursor_secret or stored_secret(settings, SEARCH_CURSOR)
