"""pts up's retention timer: prune finished work shortly after start, then every
`retention_interval` seconds (pts.retention; one pruner at a time across workers)."""

from __future__ import annotations

import logging
import threading

from pts.config import Settings
from pts.db.pool import get_pool
from pts.retention import prune

log = logging.getLogger(__name__)

FIRST_DELAY = 30.0  # seconds after start: let the workers settle first


class PruneTimer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pts-prune", daemon=True)

    def start(self) -> PruneTimer:
        self._thread.start()
        return self

    def _run(self) -> None:
        wait = min(FIRST_DELAY, self.settings.retention_interval)
        while not self._stop.wait(wait):
            wait = self.settings.retention_interval
            try:
                prune(get_pool(self.settings), self.settings)
            except Exception:  # noqa: BLE001 - try again at the next tick
                log.exception("pruning failed")

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
