"""Per-phase timings of a full rebuild, logged at DEBUG (`pts --log-level DEBUG replay`):
where a replay's time goes, without a profiler."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("pts.replay")


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Log how long the block took, as `phase <name>: <ms> ms`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        log.debug("phase %s: %.0f ms", name, (time.perf_counter() - start) * 1000)
