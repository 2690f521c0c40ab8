"""Which in-process batches a dispatcher starts: one per handler while it keeps up, one per
partition of the handler while it is behind (`PTS_BROKER_PARTITIONS`).

A batch of every partition (part None) takes each partition's lock and reads the handler's
due deliveries in one go: under a trickle that is one transaction, one WAL sync, for what
would otherwise be P small batches (measured: 12% more CPU per event with single events
when every wake started a batch per partition; docs/benchmarks.md, *Partitioned batches,
session 9*). Once a handler's batches are big (a backlog), the next ones are per
partition, so that they overlap their waits on PostgreSQL on disjoint keys; when they are
small again, one batch takes them all again. Not thread-safe: the dispatcher calls it
under its guard.
"""

from __future__ import annotations

Unit = tuple[str, int | None]  # (handler, partition); None: every partition at once

# Deliveries of a handler per batch (estimated over its partitions) from which its next
# batches are per partition, and under which they are one again. Single events at 400 to
# 500/s make batches of tens; batches of 100 events, of hundreds to thousands. Only the
# handler far behind is spread: at 250 / 60 every handler was, and the images and
# deployments handlers' batches (a third of the services handler's) halved for nothing,
# 7 to 13% more CPU per event than one partition; at 1000 / 300, -2 and +2%.
SPREAD_AT = 1000
GATHER_BELOW = 300


def _overlap(a: Unit, b: Unit) -> bool:
    """Whether batches a and b would take a lock in common: the same handler, and the same
    partition or every partition (None) on either side."""
    (ha, pa), (hb, pb) = a, b
    return ha == hb and (pa == pb or pa is None or pb is None)


class Lanes:
    """The batches in flight and held elsewhere, and each handler's way (spread or not)."""

    def __init__(self, handlers: list[str], parts: int):
        self.handlers, self.parts = handlers, parts
        self.busy: set[Unit] = set()
        self.elsewhere: dict[Unit, float] = {}  # until when another process has one
        self.spread: set[str] = set()

    def _units(self, handler: str) -> list[Unit]:
        if self.parts > 1 and handler in self.spread:
            return [(handler, k) for k in range(self.parts)]
        return [(handler, None)]

    def _free(self, unit: Unit, now: float) -> bool:
        return not (any(_overlap(unit, u) for u in self.busy)
                    or any(_overlap(unit, u) and until > now
                           for u, until in self.elsewhere.items()))

    def start(self, now: float, free: int) -> list[Unit]:
        """Up to free batches to start now (marked in flight)."""
        idle = [u for h in self.handlers for u in self._units(h) if self._free(u, now)][:free]
        self.busy.update(idle)
        return idle

    def ended(self, unit: Unit, applied: int | None, now: float, wait: float) -> None:
        """A batch ended having locked applied deliveries (None: held elsewhere, tried
        again after wait seconds)."""
        self.busy.discard(unit)
        handler, part = unit
        if applied is None:
            self.elsewhere[unit] = now + wait
            return
        self.elsewhere.pop(unit, None)
        seen = applied if part is None else applied * self.parts
        if seen >= SPREAD_AT:
            self.spread.add(handler)
        elif seen < GATHER_BELOW:
            self.spread.discard(handler)

    def skipped(self, now: float) -> list[str]:
        """Handlers whose due time does not count now: a batch of theirs in flight wakes
        the dispatcher when it ends, and one held elsewhere is tried again after a while."""
        return sorted({h for h, _ in self.busy}.union(
            h for (h, _), t in self.elsewhere.items() if t > now))

    def away(self, now: float) -> list[float]:
        """Seconds until each batch held elsewhere is tried again."""
        return [t - now for t in self.elsewhere.values() if t > now]
