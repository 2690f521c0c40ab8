"""Serving the combined application with gunicorn (threads, optionally several workers)."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

# The worker class of `pts up` and `pts serve`: gthread that reads whole requests in its
# event loop before a thread takes them (pts.runtime.worker; docs/reliability.md, Serving).
BUFFERING_WORKER = "pts.runtime.worker.BufferingWorker"


class _TickingArbiter(Arbiter):
    """gunicorn's master loop, calling `tick` about once a second (database supervision).
    `tick` may raise gunicorn.errors.HaltServer to stop everything with an exit status."""

    tick: Callable[[], None] | None = None

    def manage_workers(self):
        if self.tick is not None:
            self.tick()
        super().manage_workers()


class Server(BaseApplication):
    """gunicorn, configured from code; the app is built in each worker after fork so that
    every worker has its own pool."""

    def __init__(self, app_factory: Callable, options: dict,
                 tick: Callable[[], None] | None = None):
        self.app_factory = app_factory
        self.options = options
        self.tick = tick
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self.app_factory()

    def run(self):
        arbiter = _TickingArbiter(self)
        arbiter.tick = self.tick
        arbiter.run()
