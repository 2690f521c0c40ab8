"""How far behind the in-process handlers of one `pts up` are, and ingest's backpressure.

Ingest and the projection handlers share the same cores in `pts up`. Without a bound, a
producer that posts faster than the handlers apply grows their backlog (and the lag of
every answer the projections give) for as long as it posts. So each dispatcher notes, when
it starts a handler's batch, how long the oldest due delivery of that batch has waited;
while any handler's lag is above `PTS_BACKPRESSURE_LAG`, ingest waits before it appends
(at most `PTS_BACKPRESSURE_WAIT` per request, then it appends anyway: nothing is refused).
Waiting ingest requests leave the cores to the handlers, so the intake settles at the rate
the handlers keep up with.

The notes live in a small anonymous shared memory map, made by `pts up` before it forks its
workers (`share`): a handler's batches may run in any worker, and every worker's ingest
must see them. A note older than FRESH seconds does not count (a stopped dispatcher, a
handler with nothing due for a while). On Knative none of this runs: ingest has its own
pods, and the broker there is Knative's.
"""

from __future__ import annotations

import mmap
import struct
import time

from pts.config import Settings
from pts.projections.registry import PROJECTIONS

SLOT = struct.Struct("dd")  # the lag in seconds, when it was noted (time.monotonic)
ORDER = sorted(PROJECTIONS)  # a handler's slots: its place here, the same in every worker
PARTS = 16  # the most partitions of a handler's deliveries (PTS_BROKER_PARTITIONS)
SLOTS = len(ORDER) * PARTS  # a slot per (handler, partition): each has its own oldest
FRESH = 5.0  # seconds a note counts: longer than a batch takes under load
STEP = 0.02  # seconds between looks while ingest waits

_map: mmap.mmap | None = None


def share() -> mmap.mmap:
    """Make the map that the workers forked after this call share (`pts up`, before fork)."""
    global _map
    _map = mmap.mmap(-1, SLOT.size * SLOTS)  # MAP_SHARED | MAP_ANONYMOUS: kept over fork
    return _map


def _shared() -> mmap.mmap:
    # No `pts up` before: this process's own (one process, or tests).
    return _map if _map is not None else share()


def note(handler: str, lag: float, part: int = 0) -> None:
    """A dispatcher starts a batch of handler (of its partition part) whose oldest due
    delivery waited lag seconds. The handler's lag is the largest of its partitions'."""
    if handler in PROJECTIONS and 0 <= part < PARTS:
        slot = ORDER.index(handler) * PARTS + part
        SLOT.pack_into(_shared(), slot * SLOT.size, max(lag, 0.0), time.monotonic())


def lag(now: float | None = None) -> float:
    """The largest lag noted in the last FRESH seconds (0 when none)."""
    now = time.monotonic() if now is None else now
    worst, shared = 0.0, _shared()
    for slot in range(SLOTS):  # every handler's: its batches may run elsewhere
        behind, at = SLOT.unpack_from(shared, slot * SLOT.size)
        if now - at <= FRESH:
            worst = max(worst, behind)
    return worst


def pace(settings: Settings) -> float:
    """Before an ingest append: wait while the handlers are more than `backpressure_lag`
    behind, at most `backpressure_wait` seconds; returns how long it waited."""
    bound = settings.backpressure_lag
    if bound <= 0 or lag() <= bound:
        return 0.0
    start = time.monotonic()
    deadline = start + settings.backpressure_wait
    while time.monotonic() < deadline and lag() > bound:
        time.sleep(STEP)
    return time.monotonic() - start
