"""After a long outage a worker's pool is serving again within PTS_DB_RECONNECT_MAX of the
database's return, not on psycopg_pool's doubling schedule (1, 2, 4, 8 s... apart), which
left one worker answering 503 for seconds after another's /readyz said ready
(docs/reliability.md, Database supervision).

The database "goes away" behind a Unix-socket proxy of the test's own: while it is down its
socket file is gone and every open connection is cut, as when the postmaster dies."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from psycopg_pool import PoolTimeout

from pts.config import Settings
from pts.db import pool as db_pool

pytestmark = pytest.mark.faults


class SocketProxy:
    """Forwards a PostgreSQL Unix socket; down() removes it and cuts every connection."""

    def __init__(self, upstream: str, port: str) -> None:
        self.upstream = upstream
        self.dir = tempfile.mkdtemp(prefix="pts-proxy-")
        self.path = str(Path(self.dir) / f".s.PGSQL.{port}")
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(self.path)
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            cut, self._open = self._open, []
        if listener is not None:
            listener.close()
        Path(self.path).unlink(missing_ok=True)
        for s in cut:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self.down()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.upstream)
            with self._lock:
                kept = self._listener is listener
                if kept:
                    self._open += [client, server]
            if not kept:  # accepted just before down(): cut it as down() would
                client.close()
                server.close()
                return
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy(db_url):
    socket_dir = parse_qs(urlsplit(db_url).query)["host"][0]
    port = next(p.name.rsplit(".", 1)[1] for p in Path(socket_dir).glob(".s.PGSQL.*")
                if not p.name.endswith(".lock"))
    proxy = SocketProxy(str(Path(socket_dir) / f".s.PGSQL.{port}"), port)
    proxy.url = db_url.replace(quote(socket_dir, safe=""), quote(proxy.dir, safe=""))
    yield proxy
    db_pool.close_for(proxy.url)
    proxy.close()


def outage(proxy: SocketProxy, seconds: float, reconnect_max: float):
    """A pool of its own through the proxy, which then cuts the database away for `seconds`
    (noticed at once: a request finds its idle connection gone and answers 503)."""
    settings = Settings(database_url=proxy.url, db_reconnect_max=reconnect_max)
    pool = db_pool.get_pool(settings)
    pool.wait(10)  # every connection of the pool made before the cut, none in flight
    with pool.connection() as conn:
        conn.execute("SELECT 1")
    proxy.down()
    with pytest.raises(PoolTimeout):
        pool.getconn()
    assert pool.state.down
    time.sleep(seconds)
    proxy.up()
    return pool


def test_the_first_request_after_the_database_returns_is_served(proxy):
    # The pool's own next attempt is far away (60 s cap: about 7 s after the outage began),
    # so only the request's own attempt can serve it.
    pool = outage(proxy, 4.0, reconnect_max=60.0)
    with pool.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not pool.state.down


def test_an_idle_pool_is_connected_again_within_its_reconnect_cap(proxy):
    # 4 s down: uncapped, psycopg_pool's attempts come 1, 2, then 4 s apart (~0, 1, 3, 7 s);
    # capped at 0.3 s, the pool has its connection back within about that, with no request.
    pool = outage(proxy, 4.0, reconnect_max=0.3)
    back = time.monotonic()
    while pool.get_stats()["pool_available"] < 1:
        assert time.monotonic() - back < 1.5, "no connection 1.5 s after the return"
        time.sleep(0.02)


def test_the_reconnection_schedule_doubles_up_to_its_cap_and_still_gives_up():
    attempt = db_pool.CappedAttempt(timeout=30.0, cap=3.0)
    delays = []
    for now in (0.0, 1.0, 3.0, 7.0, 10.0):
        attempt.update_delay(now)
        delays.append(attempt.delay)
    assert 0.9 <= delays[0] <= 1.1  # psycopg_pool's first wait, with its jitter
    assert delays[1] == pytest.approx(2 * delays[0])
    assert delays[2:] == [3.0, 3.0, 3.0]  # uncapped: 4, 8, 16
    attempt.update_delay(29.0)
    assert attempt.delay == pytest.approx(1.0)  # no wait past the give-up time
    assert attempt.time_to_give_up(30.0)
