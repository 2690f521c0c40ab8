"""Rebuilding projections from the log while the system runs.

Full rebuild: each projection's tables are copied empty into a shadow schema
(pts.projections.shadow); the shadow tables of every projection asked for are filled from
the whole log in sets and indexed, each projection in its own transaction on its own
connection, all in one snapshot, while another connection checks the log against the
catalog (pts.projections.build); then, one projection at a time, a short swap transaction
takes the projection's lock exclusively, applies what live handlers recorded in the
meantime, drops the old tables and moves the new ones in. Readers see the old tables or
the new ones, never a half-built one.

`from_seq`: no copy; apply every log event from that seq on in place, in batches, as a live
handler would (locks included), and recompute what each touches: deliveries that never
arrived are caught up and rows the events touch are rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from pts.db.rows import scalar
from pts.projections import shadow
from pts.projections.build import build, conninfo_of
from pts.projections.engine import NotAccepted, Projection, apply, check
from pts.projections.facts import Fact, load_range
from pts.projections.phases import phase

Progress = Callable[[int, int], None]


@dataclass
class Replayed:
    """What a replay did: events applied, events skipped (data the catalog refuses),
    events caught up from live handling during the build."""

    applied: int = 0
    skipped: int = 0
    caught_up: int = 0


class ReplayBusy(RuntimeError):
    """Another replay of the same projection is running. done: what this replay finished
    before it met that projection."""

    def __init__(self, message: str, done: dict[str, Replayed] | None = None):
        super().__init__(message)
        self.done = done or {}


def _checked(projection: Projection, facts: list[Fact], result: Replayed) -> list[Fact]:
    good = []
    for fact in facts:
        try:
            check(projection, fact)
            good.append(fact)
        except NotAccepted:
            result.skipped += 1
    result.applied += len(good)
    return good


def _count(conn: psycopg.Connection, projection: Projection, after: int) -> int:
    with conn.transaction():
        return int(scalar(conn.execute("SELECT count(*) FROM platform_events WHERE seq > %s "
                                       "AND type = ANY(%s)", (after, list(projection.types)))))


def _catch_up(conn: psycopg.Connection, projection: Projection, after: int, batch: int,
              progress: Progress) -> Replayed:
    result = Replayed()
    total, done = _count(conn, projection, after), 0
    progress(done, total)
    while True:
        with conn.transaction():
            facts = load_range(conn, list(projection.types), after, batch)
            if not facts:
                break
            apply(conn, projection, _checked(projection, facts, result), lock=True,
                  recompute_all=True)
        after, done = facts[-1].seq, done + len(facts)
        progress(min(done, total), total)
    return result


def _lock(conn: psycopg.Connection, name: str, take: bool) -> bool:
    key = f"pts.replay:{name}"
    with conn.transaction():  # a session lock: it outlives the transactions below
        call = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
        return bool(scalar(conn.execute(f"SELECT {call}(hashtextextended(%s, 0))", (key,))))


def replay(conn: psycopg.Connection, projection: Projection, *, from_seq: int | None = None,
           batch: int = 1000, progress: Progress = lambda done, total: None,
           before_swap: Callable[[], None] | None = None) -> Replayed:
    """Rebuild one projection from the log (see the module docstring), one replay of it at
    a time (ReplayBusy). conn is a plain connection outside any transaction. from_seq:
    apply from there in place, `batch` events per transaction; before_swap: for tests."""
    if from_seq is None:
        return replay_many(conn, [projection], progress=lambda name: progress,
                           before_swap=before_swap)[projection.name]
    if not _lock(conn, projection.name, True):
        raise ReplayBusy(f"a replay of {projection.name} is already running")
    try:
        return _catch_up(conn, projection, from_seq - 1, batch, progress)
    finally:
        _lock(conn, projection.name, False)


def replay_many(conn: psycopg.Connection, projections: list[Projection], *,
                progress: Callable[[str], Progress] | None = None,
                before_swap: Callable[[], None] | None = None) -> dict[str, Replayed]:
    """Fully rebuild these projections from the log, together (see the module docstring);
    results by name, in order. If a replay of one of them is running, the ones before it
    are rebuilt and ReplayBusy raised, carrying their results."""
    locked: list[Projection] = []
    for projection in projections:
        if not _lock(conn, projection.name, True):
            break
        locked.append(projection)
    try:
        done = _rebuild(conn, locked, progress, before_swap) if locked else {}
    finally:
        for projection in locked:
            _lock(conn, projection.name, False)
    if len(locked) < len(projections):
        busy = projections[len(locked)].name
        raise ReplayBusy(f"a replay of {busy} is already running", done)
    return done


def _rebuild(conn: psycopg.Connection, projections: list[Projection],
             progress: Callable[[str], Progress] | None, before_swap: Any) -> dict[str, Replayed]:
    with phase("shadow tables"), conn.transaction():
        shadows = [shadow.create(conn, p) for p in projections]
    try:
        with phase("build"):
            counts = build(conninfo_of(conn), shadows)
        done = {p.name: Replayed(*c) for p, c in zip(projections, counts, strict=True)}
        for p in projections:
            if progress:
                applied = done[p.name].applied + done[p.name].skipped
                progress(p.name)(applied, applied)
        if before_swap:
            before_swap()
        for s in shadows:
            with phase(f"{s.projection.name} swap"), conn.transaction():
                done[s.projection.name].caught_up = shadow.swap(conn, s)
    except BaseException:
        with conn.transaction():
            for s in shadows:
                shadow.drop(conn, s)
        raise
    return done
