"""The dispatcher: pushes due deliveries to subscribers, woken by NOTIFY, not by polling.

One thread listens on the broker channel and claims what is due; a thread pool runs the
attempts concurrently. The projection handlers of this same `pts up` get their deliveries in
batches applied in-process (pts.broker.inprocess); every other subscriber gets HTTP POSTs.
Retries are timed from the earliest `next_attempt_at`. Safe to run
in several processes at once: claims skip rows other dispatchers hold.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg

from pts.broker import deliver, inprocess, queue, triggers, upkeep, wakeup
from pts.broker.lanes import Lanes
from pts.config import Settings
from pts.db.health import any_down
from pts.db.pool import database_url, get_pool
from pts.db.urls import to_conninfo
from pts.eventing.http import Sender
from pts.logs import escape

log = logging.getLogger(__name__)

IDLE_WAIT = 1.0  # seconds between checks when nothing is due and no NOTIFY came
LEASE_MARGIN = 5.0  # seconds past the attempt's timeout before another dispatcher retries
PRUNE_EVERY = 5.0  # seconds between prunes of finished work
WAKE_CHECK = 0.02  # seconds between looks at the in-process wake while listening
# Seconds a woken dispatcher waits so that in-process batches fill up. A batch costs a dozen
# statements and a commit whatever its size: with single events at 400/s, 0.1 s took 9% less
# CPU per event than 0.03 s (lag p99 0.20 s against 0.12; docs/benchmarks.md).
LINGER = 0.1
# Seconds before a handler whose batch another process has in flight is tried again: that
# process takes the handler's next batch itself when its own ends; trying at every round
# (and counting the handler's backlog as due) kept the other dispatcher spinning.
ELSEWHERE_WAIT = 0.25
# Seconds a next due time in the future is reused: under load every ingest commit's NOTIFY
# starts a round, and the query (index probes past the busy handlers' delivered rows not
# yet vacuumed) cost 4 to 8 ms, 40 times a second. A delivery that becomes due meanwhile
# waits this much longer at most.
NEXT_DUE_EVERY = 0.1
# Seconds between next due times asked of every subscriber with pending deliveries; in
# between only the trigger table's subscribers (and the dead letters) are probed, which
# leaves out the busy handlers' backlogs. A subscriber no longer in the table (its
# deliveries left from an earlier configuration) is thus served at most this much later.
EVERY_SUBSCRIBER_EVERY = 1.0

_running: list[Dispatcher] = []


def wake_local(_stored: object = None) -> None:
    """Wake the dispatchers of this process (ingest's after-commit hook in `pts up`), or,
    when this process runs none, the dispatcher process of the same `pts up`."""
    running = list(_running)
    for d in running:
        d.wake()
    if not running:
        wakeup.ring()


class Dispatcher:
    """Start with `start()`, stop with `stop()`; `wake()` is for tests and the ingress."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.run_id = settings.run_id or uuid.uuid4().hex
        self._stop = threading.Event()
        self._slots = threading.Semaphore(settings.broker_concurrency)
        self._pool = ThreadPoolExecutor(settings.broker_concurrency,
                                        thread_name_prefix="pts-delivery")
        self._local = threading.local()
        self._pruned = 0.0
        self._wake = threading.Event()
        self._guard = threading.Lock()
        self._lanes = Lanes([], 1)  # the in-process batches in flight (set in _loop)
        self._due: tuple[float, list[str], float | None] = (0.0, [], None)  # at, skip, due
        self._every_at = 0.0  # when the next due time was last asked of every subscriber
        self._known = sorted({*triggers.table(settings), *settings.broker_subscribers})
        self._thread = threading.Thread(target=self._run, name="pts-dispatcher", daemon=True)

    def start(self) -> Dispatcher:
        self._thread.start()
        _running.append(self)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming, and let attempts in flight finish (up to timeout seconds)."""
        self._stop.set()
        if self in _running:
            _running.remove(self)
        try:  # wake the listener now rather than at its next timeout
            with get_pool(self.settings).connection() as conn:
                conn.execute(f"NOTIFY {queue.CHANNEL}")
                conn.commit()
        except Exception:  # noqa: BLE001 - then it wakes by its timeout
            pass
        self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._loop()
            except (psycopg.OperationalError, OSError) as exc:
                if not any_down():  # said once, by pts.db.health, while it lasts
                    log.warning("dispatcher: database unavailable (%s); retrying", escape(exc))
                self._stop.wait(1.0)
            except Exception:  # noqa: BLE001 - a dispatcher that dies silently loses nothing
                log.exception("dispatcher error; restarting the loop")  # but delays all
                self._stop.wait(1.0)

    def _loop(self) -> None:
        pool = get_pool(self.settings)
        lease = self.settings.broker_timeout + LEASE_MARGIN
        with psycopg.connect(to_conninfo(database_url(self.settings)),
                             autocommit=True) as listener:
            listener.execute(f"LISTEN {queue.CHANNEL}")
            local = [h for h in triggers.table(self.settings)
                     if inprocess.handles(h, self.settings)]
            with self._guard:  # kept over a restart of this loop: its batches may run on
                if self._lanes.handlers != local:
                    self._lanes = Lanes(local, self.settings.broker_partitions)
            while not self._stop.is_set():
                self._prune(pool)
                free = self._free_slots()
                if free:
                    # A batch per in-process handler (per partition of one that is behind:
                    # pts.broker.lanes) that has none in flight (a slot each): its thread
                    # locks what is due and applies it in one transaction. One batch per
                    # partition at a time: two batches of the same keys wait on each
                    # other's key locks anyway, each holding a connection that ingest
                    # needs; a backlog makes the next one bigger.
                    with self._guard:
                        idle = self._lanes.start(time.monotonic(), free)
                    for handler, part in idle:
                        self._slots.acquire()
                        try:
                            self._pool.submit(self._apply, pool, handler, part)
                        except RuntimeError:  # the interpreter is exiting
                            return
                    free -= len(idle)
                if not free:
                    wait = 0.02
                else:
                    # A batch in flight wakes this loop when it ends (what is due for its
                    # handler is taken then): only the others' due times count here (a
                    # handler with any partition in flight or held elsewhere is skipped:
                    # its due time is that partition's as often as not). The other
                    # subscribers' deliveries are claimed only when one is due: one
                    # statement a round when none is (the usual case under load).
                    with self._guard:
                        now = time.monotonic()
                        away = self._lanes.away(now)
                        skip = self._lanes.skipped(now)
                    due = self._next_due(pool, skip)
                    if due is not None and due <= 0:
                        with pool.connection() as conn, conn.transaction():
                            claimed = queue.claim(conn, self.run_id, free, lease, skip=local)
                        for d in claimed:
                            self._slots.acquire()
                            try:
                                self._pool.submit(self._attempt, pool, d)
                            except RuntimeError:  # exiting: the lease redelivers
                                return
                        if claimed:
                            continue  # more may be due; the next due time moved
                    wait = IDLE_WAIT if due is None else max(0.0, min(due, IDLE_WAIT))
                    wait = min([wait, *away])  # then try the handlers held elsewhere again
                if (wait > 0 and self._sleep(listener, wait) and local
                        and not self._lanes.busy):
                    self._stop.wait(LINGER)  # let a few more arrive: bigger batches

    def _sleep(self, listener, wait: float) -> bool:
        """Until a NOTIFY, a wake() from this process, or wait seconds; True when woken."""
        deadline = time.monotonic() + wait
        woken = False
        while not (woken or self._stop.is_set()):
            woken = self._wake.is_set() or wakeup.answered()
            left = deadline - time.monotonic()
            if left <= 0:
                break
            woken = woken or bool(list(listener.notifies(timeout=min(left, WAKE_CHECK),
                                                         stop_after=1)))
        self._wake.clear()
        return woken

    def wake(self) -> None:
        """Claim now: deliveries were just committed by this process."""
        self._wake.set()

    def _prune(self, pool) -> None:
        """At most every PRUNE_EVERY seconds: drop finished work (bounded per run)."""
        now = time.monotonic()
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        with pool.connection() as conn, conn.transaction():
            gone = upkeep.prune(conn, self.settings.broker_keep_seconds)
        if any(gone):
            log.debug("pruned %d finished deliveries and %d events", *gone)

    def _next_due(self, pool, skip: list[str]) -> float | None:
        """queue.next_due, reused for NEXT_DUE_EVERY seconds while it lies in the future
        (then asked again when that time is up: a NOTIFY may have come meanwhile)."""
        now = time.monotonic()
        at, skipped, due = self._due
        if skipped == skip and now - at < NEXT_DUE_EVERY and (due is None or due > now - at):
            left = NEXT_DUE_EVERY - (now - at)
            return left if due is None else min(due - (now - at), left)
        every = now - self._every_at >= EVERY_SUBSCRIBER_EVERY
        with pool.connection() as conn:
            if every:
                due = queue.next_due(conn, skip=skip)
                self._every_at = now
            else:
                due = queue.next_due(conn, only=[s for s in self._known if s not in skip])
            conn.rollback()
        self._due = (now, skip, due)
        return due

    def _free_slots(self) -> int:
        return self._slots._value  # noqa: SLF001 - a hint only; acquire() is the real guard

    def _apply(self, pool, handler: str, part: int | None) -> None:
        applied: int | None = -1  # 0: nothing was due, None: held elsewhere; else wake
        try:
            applied = inprocess.apply_due(pool, handler, self.settings.broker_batch,
                                          self.settings, part)
        except psycopg.OperationalError as exc:  # the database went away: said once elsewhere
            if not any_down():
                log.warning("batch for %s: database unavailable (%s); due again when it is "
                            "back", handler, escape(exc))
        except Exception:  # noqa: BLE001 - rolled back: the deliveries are due again
            log.exception("batch for %s crashed; it will be retried", handler)
        finally:
            with self._guard:
                self._lanes.ended((handler, part),
                                  None if applied is None else max(applied, 0),
                                  time.monotonic(), ELSEWHERE_WAIT)
            self._slots.release()
        if applied:
            self.wake()  # the handler's next batch now: more may have come meanwhile

    def _attempt(self, pool, d: queue.Delivery) -> None:
        try:
            sender = getattr(self._local, "sender", None)
            if sender is None:
                sender = self._local.sender = Sender(self.settings.broker_timeout)
            deliver.deliver(pool, d, sender, self.settings)
        except psycopg.OperationalError as exc:  # the database went away mid-delivery
            if not any_down():
                log.warning("delivery %s: database unavailable (%s); retried after its "
                            "lease", d.id, exc)
        except Exception:  # noqa: BLE001 - the lease makes it due again
            log.exception("delivery %s crashed; it will be retried after its lease", d.id)
        finally:
            self._slots.release()
