"""`pts up`'s broker in a process of its own (`PTS_DISPATCH_PROCESS`, the default).

The dispatcher applies the projection handlers' batches in Python. Run in every worker, it
shared each worker's interpreter (one GIL) with ingest's request threads, and ingest's
transactions waited on their own worker between statements while a batch held it
(PostgreSQL's `Client:ClientRead`, docs/benchmarks.md). Here gunicorn's master forks one
process, once it listens, that runs the dispatcher, the relay timer and the pruner
(pts.runtime.local.start_background) and serves no requests; the workers serve only
requests and wake it after their commits (pts.broker.wakeup). The master's tick starts it
again if it dies (its deliveries' locks went with its connections: they are due at once);
it stops on Ctrl-C (the terminal's signal reaches the whole group), on SIGTERM, when the
master stops, or when the master is gone.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import threading
import time

from pts.config import get_settings
from pts.db import health
from pts.db.pool import close_all
from pts.runtime.local import start_background, stop_background
from pts.runtime.metrics import worker_exited

log = logging.getLogger(__name__)

STOP_WAIT = 10.0  # seconds the master waits for it to stop before SIGKILL


class DispatchProcess:
    """gunicorn hooks: when_ready (start), tick (from the master loop), on_exit (stop)."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self._arbiter = None

    def when_ready(self, arbiter) -> None:
        self._arbiter = arbiter
        self._spawn()

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:
            _child(self._arbiter)  # never returns
        self.pid = pid
        log.info("the broker's dispatcher runs in process %d", pid)

    def tick(self) -> None:
        if self.pid is None or _alive(self.pid):
            return
        worker_exited(self.pid)
        log.error("the broker's dispatcher (process %d) stopped; starting it again", self.pid)
        self._spawn()

    def on_exit(self, _arbiter=None) -> None:
        pid, self.pid = self.pid, None
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether pid runs: reaped here if it exited (gunicorn's master may reap it first)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _child(arbiter) -> None:
    status = 1
    try:
        for sig in (*arbiter.SIGNALS, signal.SIGCHLD):  # the master's handlers are not ours
            signal.signal(sig, signal.SIG_DFL)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            signal.signal(sig, lambda *_: stop.set())
        for listener in arbiter.LISTENERS:  # serves nothing; must not keep the port
            listener.close()
        threading.current_thread().name = "pts-dispatch-main"
        status = _serve(stop)
    except BaseException:  # noqa: BLE001 - said, then the master starts another
        log.exception("the broker's dispatcher process failed")
    finally:
        os._exit(status)  # never the master's atexit handlers (they stop PostgreSQL)


def _serve(stop: threading.Event) -> int:
    health.DOWN_LINE = ("the broker's dispatcher cannot reach the database (%s); it tries "
                        "again until it is back")
    settings = get_settings()
    parent = os.getppid()
    start_background(settings)
    gc.collect()
    gc.freeze()  # as a worker does (pts.runtime.worker.BufferingWorker.load_wsgi)
    gc.set_threshold(settings.gc_threshold, *gc.get_threshold()[1:])
    while not stop.wait(1.0) and os.getppid() == parent:
        pass
    stop_background()
    close_all()
    return 0
