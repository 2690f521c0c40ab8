"""What `pts up` runs in each worker: every function, the broker's ingress at /broker, and,
when `broker_dispatch` is set without `dispatch_process`, the dispatcher and the relay timer
as background threads (with it, they run in a process of their own:
pts.runtime.dispatch_process)."""

from __future__ import annotations

import logging
import threading

import psycopg

from pts.broker.dispatcher import Dispatcher
from pts.broker.ingress import create_app as broker_app
from pts.config import Settings, get_settings
from pts.db.health import any_down
from pts.runtime.app import RootPath, build_app
from pts.runtime.pruner import PruneTimer
from pts.usecases import wiring

log = logging.getLogger(__name__)

_background: list = []


class RelayTimer:
    """Calls the relay every `relay_interval` seconds. Safe in several processes: the relay
    claims its batches with SKIP LOCKED."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pts-relay", daemon=True)

    def start(self) -> RelayTimer:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.settings.relay_interval):
            try:
                wiring.relay(self.settings, budget=self.settings.relay_interval)
            except Exception as exc:  # noqa: BLE001 - try again at the next tick
                if isinstance(exc, psycopg.OperationalError):
                    if not any_down():
                        log.warning("relay: database unavailable (%s)", exc)
                else:
                    log.exception("relay run failed")

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def start_background(settings: Settings) -> None:
    """Start the dispatcher, the relay timer and the retention timer of this process."""
    _background.append(Dispatcher(settings).start())
    _background.append(RelayTimer(settings).start())
    _background.append(PruneTimer(settings).start())


def stop_background() -> None:
    """Stop them: no new claims; attempts in flight may finish. Idempotent."""
    while _background:
        _background.pop().stop()


def build_local_app():
    """The application of one `pts up` worker (built after fork)."""
    settings = get_settings()
    app = build_app(extra={"/broker": RootPath(broker_app())})
    if settings.broker_dispatch and not settings.dispatch_process:
        start_background(settings)  # else pts.runtime.dispatch_process runs them
    return app
