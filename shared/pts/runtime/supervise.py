"""`pts up` supervises its embedded PostgreSQL: a postmaster that dies is started again, a
bounded number of times with a growing delay; then `pts up` stops with one clear line and a
non-zero exit status (a service manager or the user decides what next)."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from gunicorn.errors import HaltServer

from pts.db.embedded import postmaster_pid, restart

log = logging.getLogger(__name__)

ATTEMPTS = 5
FIRST_DELAY = 0.5  # seconds; doubles after each failed attempt
EXIT_STATUS = 3


class Supervisor:
    """Called from gunicorn's master loop (about once a second): cheap when all is well
    (one read of postmaster.pid and one process lookup)."""

    def __init__(self, data_dir: Path, attempts: int = ATTEMPTS, first_delay: float = FIRST_DELAY):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.attempts = attempts
        self.first_delay = first_delay

    def tick(self) -> None:
        if postmaster_pid(self.data_dir / "pgdata") is None:
            self.restart()

    def restart(self) -> None:

        log.error("the embedded PostgreSQL in %s stopped; starting it again", self.data_dir)
        delay, error = self.first_delay, None
        for attempt in range(1, self.attempts + 1):
            try:
                restart(self.data_dir)
            except Exception as exc:  # noqa: BLE001 - every failure is retried, then reported
                error = exc
                log.warning("restart %d of %d failed (%s); next in %.1fs", attempt,
                            self.attempts, _short(exc), delay)
                time.sleep(delay)
                delay *= 2
                continue
            log.warning("the embedded PostgreSQL is running again (attempt %d)", attempt)
            return
        line = (f"pts up: the embedded PostgreSQL in {self.data_dir} stopped and could not be "
                f"started again after {self.attempts} attempts ({_short(error)}); see "
                f"{self.data_dir / 'pgdata' / 'log'}; exiting")
        print(line, file=sys.stderr, flush=True)
        raise HaltServer(line, EXIT_STATUS)


def _short(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else type(exc).__name__
