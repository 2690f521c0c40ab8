"""Group commit: the ingest requests of one process that arrive while a commit is in flight
are appended together in the next transaction (one statement, one COMMIT, one WAL flush).

A request joins with its events already validated; it is answered only after the
transaction holding its events committed (202 still means committed). Requests of one group
share no (source, id): a request repeating a key of an earlier one waits for the next group,
so each request's duplicates are decided exactly as if it had run alone. When the group's
transaction fails (a conflict with stored content, a deadlock, any database error), nothing
of it is kept and each of its requests runs again alone, in its own thread, where its own
answer (409, 503, ...) is decided as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pts.db.pool import on_close


class RunAlone(Exception):
    """Raised in a group's transaction to undo it: each request then runs alone."""


def _held() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class Job:
    """One request waiting for its commit."""

    keys: set[tuple[str, str]]
    size: int
    payload: Any
    done: bool = False
    alone: bool = False  # the group failed: run this request by itself
    result: Any = None
    error: BaseException | None = None
    # Released once, to wake this job's thread: its group is done, or it leads the next.
    wake: threading.Lock = field(default_factory=_held, repr=False)


class Committer:
    """One per process and database: at most one group transaction in flight.

    The thread of the oldest waiting request leads the next group. A finished group wakes
    its own requests' threads and the next leader, nobody else: each waiting thread has a
    lock of its own (no broadcast that wakes every waiter to find most still waiting)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: list[Job] = []
        self._busy = False

    def submit(self, job: Job, run_one: Callable[[Job], Any],
               run_group: Callable[[list[Job]], list[Any]], max_events: int) -> Any:
        """The job's result: run_one(job) when it is alone in its group (or the group
        failed), else its share of run_group(group) (at most max_events in a group)."""
        with self._lock:
            self._pending.append(job)
            lead, self._busy = not self._busy, True
        if not lead:
            job.wake.acquire()  # done, or the leader of the next group (the oldest waiting)
        if not job.done:
            with self._lock:
                group = self._take(max_events)  # holds this job: the oldest pending
            following: Job | None = None
            try:
                self._run(group, run_one, run_group)
            finally:
                with self._lock:
                    if self._pending:
                        following = self._pending[0]
                    else:
                        self._busy = False
                for other in group:
                    if other is not job:
                        other.wake.release()
                if following is not None:
                    following.wake.release()
        if job.alone:
            return run_one(job)
        if job.error is not None:
            raise job.error
        return job.result

    def waiting(self) -> int:
        """How many requests wait for a group to take them."""
        with self._lock:
            return len(self._pending)

    def _take(self, max_events: int) -> list[Job]:
        """The pending jobs, oldest first, that share no key and fit max_events."""
        group: list[Job] = []
        keys: set[tuple[str, str]] = set()
        events = 0
        for job in self._pending:
            if group and (events + job.size > max_events or not keys.isdisjoint(job.keys)):
                continue
            group.append(job)
            keys |= job.keys
            events += job.size
        taken = set(map(id, group))
        self._pending = [j for j in self._pending if id(j) not in taken]
        return group

    @staticmethod
    def _run(group: list[Job], run_one, run_group) -> None:
        try:
            if len(group) == 1:
                try:
                    group[0].result = run_one(group[0])
                except BaseException as exc:  # noqa: BLE001 - raised in the job's own thread
                    group[0].error = exc
            else:
                try:
                    for job, result in zip(group, run_group(group), strict=True):
                        job.result = result
                except Exception:  # noqa: BLE001 - each request runs alone and decides
                    for job in group:
                        job.alone = True
        finally:
            for job in group:
                if job.result is None and job.error is None:
                    job.alone = True
                job.done = True


_lock = threading.Lock()
_committers: dict[object, Committer] = {}


def committer_for(pool) -> Committer:
    """This process's committer for the pool's database."""
    committer = _committers.get(pool)
    if committer is None:
        with _lock:
            committer = _committers.setdefault(pool, Committer())
    return committer


def _forget(pool) -> None:
    with _lock:
        _committers.pop(pool, None)


on_close(_forget)
