"""Filling the shadow tables of several projections at once (a full `pts replay`).

One connection checks the log against the catalog (`rebuild.check_log`: the client's CPU)
while one connection per projection runs that projection's statements and builds its
indexes (the server's CPU), each in its own thread: with two cores or more they overlap.
All of them read one snapshot, exported by the checking transaction, so the events checked
are the events built.

A builder does not wait for the check: it fills its tables as if the catalog refused none
of its events (the usual case), then waits for the verdicts; if any of its events were
refused it rolls back to before its statements and runs them again leaving those out. Then
it builds the keys and indexes and commits: nobody reads a shadow schema until the swap.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pts.db.rows import scalar
from pts.projections.phases import phase
from pts.projections.rebuild import REBUILDERS, Checked, check_log, fill_skipped
from pts.projections.shadow import Shadow

# Sorts and hashes of a rebuild's statements and index builds over a large log spill to
# disk at the server's defaults (work_mem 4MB, maintenance_work_mem 64MB).
SESSION = {"work_mem": "256MB", "maintenance_work_mem": "256MB"}


def conninfo_of(conn: psycopg.Connection) -> str:
    """What opens another connection like conn (libpq leaves the password out of dsn)."""
    return make_conninfo(conn.info.dsn, password=conn.info.password or None)


def _open(conninfo: str, snapshot: str | None = None) -> psycopg.Connection:
    conn = psycopg.connect(conninfo)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    if snapshot is not None:  # the first statement of its transaction
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    return conn


def _check(conn: psycopg.Connection, types: list[str]) -> Checked:
    with phase("catalog check"):
        checked = check_log(conn, types)
    conn.rollback()
    return checked


def _build(conn: psycopg.Connection, shadow: Shadow, checked: Future[Checked]
           ) -> tuple[int, int]:
    name, types = shadow.projection.name, list(shadow.projection.types)
    for setting, value in SESSION.items():
        conn.execute("SELECT set_config(%s, %s, true)", (setting, value))
    conn.execute("SELECT set_config('search_path', %s, true)", (f"{shadow.schema}, public",))
    fill_skipped(conn, [])
    conn.execute("SAVEPOINT pts_replay_fill")
    with phase(f"{name} statements"):
        REBUILDERS[name](conn, types)
    verdicts = checked.result()
    skipped = verdicts.skipped(types)
    if skipped:
        conn.execute("ROLLBACK TO SAVEPOINT pts_replay_fill")
        fill_skipped(conn, skipped)
        with phase(f"{name} statements again, {len(skipped)} events left out"):
            REBUILDERS[name](conn, types)
    with phase(f"{name} indexes"):
        for statement in shadow.indexes:
            conn.execute(statement)
    with phase(f"{name} commit"):
        conn.commit()
    return verdicts.tally(types)


def build(conninfo: str, shadows: list[Shadow]) -> list[tuple[int, int]]:
    """Fill every shadow's tables from the log and index them, concurrently; returns
    (events applied, events skipped) per shadow. On any failure every builder is stopped
    and the first error raised (the shadow tables are then half-filled: drop them)."""
    types = sorted({t for s in shadows for t in s.projection.types})
    conns: list[psycopg.Connection] = []
    try:
        checker = _open(conninfo)
        conns.append(checker)
        snapshot = str(scalar(checker.execute("SELECT pg_export_snapshot()")))
        conns += [_open(conninfo, snapshot) for _ in shadows]
        with ThreadPoolExecutor(len(conns), thread_name_prefix="pts-replay") as pool:
            checked = pool.submit(_check, checker, types)
            builds = [pool.submit(_build, c, s, checked)
                      for c, s in zip(conns[1:], shadows, strict=True)]
            every: list[Future[Any]] = [checked, *builds]
            try:
                done, _ = wait(every, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # raises the first failure
                return [b.result() for b in builds]
            except BaseException:
                _stop(conns, every)
                raise
    finally:
        for conn in conns:
            conn.close()


def _stop(conns: list[psycopg.Connection], futures: list[Future[Any]]) -> None:
    # A cancel only stops the statement running: repeat until every thread is out.
    while not all(f.done() for f in futures):
        for conn in conns:
            conn.cancel_safe()
        wait(futures, timeout=0.2)
