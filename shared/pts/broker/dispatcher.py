"""The dispatcher: pushes due deliveries to subscribers, woken by NOTIFY, not by polling.

One thread listens on the broker channel and claims what is due; a thread pool runs the
attempts concurrently. Retries are timed from the earliest `next_attempt_at`. Safe to run
in several processes at once: claims skip rows other dispatchers hold.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg

from pts.broker import deliver, queue
from pts.config import Settings
from pts.db.pool import database_url, get_pool
from pts.db.urls import to_conninfo
from pts.eventing.http import Sender
from pts.logsafe import escape

log = logging.getLogger(__name__)

IDLE_WAIT = 1.0  # seconds between checks when nothing is due and no NOTIFY came
LEASE_MARGIN = 5.0  # seconds past the attempt's timeout before another dispatcher retries


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
        self._thread = threading.Thread(target=self._run, name="pts-dispatcher", daemon=True)

    def start(self) -> Dispatcher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming, and let attempts in flight finish (up to timeout seconds)."""
        self._stop.set()
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
                from pts.db.health import any_down

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
            while not self._stop.is_set():
                free = self._free_slots()
                claimed = []
                if free:
                    with pool.connection() as conn, conn.transaction():
                        claimed = queue.claim(conn, self.run_id, free, lease)
                for d in claimed:
                    self._slots.acquire()
                    try:
                        self._pool.submit(self._attempt, pool, d)
                    except RuntimeError:  # the interpreter is exiting: the lease redelivers
                        return
                if claimed and len(claimed) == free:
                    continue  # more may be due
                if not free:
                    wait = 0.02
                else:
                    with pool.connection() as conn:
                        due = queue.next_due(conn)
                        conn.rollback()
                    wait = IDLE_WAIT if due is None else max(0.0, min(due, IDLE_WAIT))
                if wait > 0:
                    for _ in listener.notifies(timeout=wait, stop_after=1):
                        pass

    def _free_slots(self) -> int:
        return self._slots._value  # noqa: SLF001 - a hint only; acquire() is the real guard

    def _attempt(self, pool, d: queue.Delivery) -> None:
        try:
            sender = getattr(self._local, "sender", None)
            if sender is None:
                sender = self._local.sender = Sender(self.settings.broker_timeout)
            deliver.deliver(pool, d, sender, self.settings)
        except psycopg.OperationalError as exc:  # the database went away mid-delivery
            from pts.db.health import any_down

            if not any_down():
                log.warning("delivery %s: database unavailable (%s); retried after its "
                            "lease", d.id, exc)
        except Exception:  # noqa: BLE001 - the lease makes it due again
            log.exception("delivery %s crashed; it will be retried after its lease", d.id)
        finally:
            self._slots.release()
