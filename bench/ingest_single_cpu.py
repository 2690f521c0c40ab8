"""CPU per single-event ingest request, against the no-op function, split by process.

    uv run python bench/ingest_single_cpu.py [--seconds 5] [--rounds 3] [--port 18300]

Throughput on a shared 2-core machine moves with whatever else runs; the CPU each request
costs moves much less. Both servers run as bench/run.py runs them (`pts serve`, one worker
per core, wrk 2 threads and 16 connections, structured health events); around each wrk run
this reads the CPU time (user + system, /proc) of the server's processes, of PostgreSQL's
and of wrk, and divides by the requests answered. The 0.8x target of issue 11 holds when
ingest's whole cost per request (server + PostgreSQL + wrk) is within 1.25x the no-op's on
the same cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capacity.ingest import NOOP, serve  # noqa: E402
from capacity.procs import ROOT, TOKEN, connect, embedded_server, new_database, wrk  # noqa: E402


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _tree(pid: int) -> list[int]:
    try:
        root = psutil.Process(pid)
        return [pid, *(p.pid for p in root.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _commits(url: str) -> int:
    with connect(url) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database "
                           "WHERE datname = current_database()").fetchone()
    return int(row[0]) if row else 0


def measure(server, postmaster: int, seconds: float, url: str) -> dict:
    """One wrk run: requests/s, CPU microseconds per request by process group, and the
    requests per PostgreSQL transaction (group commit's group size, roughly)."""
    commits = _commits(url)
    own, pg = _tree(server.proc.pid), _tree(postmaster)
    before = (_cpu(own), _cpu(pg), _children_cpu())
    r = wrk(server.base + "/", "post.lua", ["single", "1", TOKEN], seconds=seconds,
            connections=16)
    own, pg = _tree(server.proc.pid), _tree(postmaster)
    after = (_cpu(own), _cpu(pg), _children_cpu())
    commits = _commits(url) - commits - 2  # the two reads here
    n = max(r.requests, 1)
    us = [(a - b) * 1e6 / n for a, b in zip(after, before, strict=True)]
    return {"rps": r.rps, "server": us[0], "postgres": us[1], "wrk": us[2],
            "non2xx": r.non2xx, "p50": r.latency_ms.get(50, 0.0),
            "per_commit": n / max(commits, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--port", type=int, default=18300)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=VALUE",
                    help="also measure ingest with this setting or `pts serve` option")
    ap.add_argument("--compare", type=Path, metavar="CHECKOUT",
                    help="also measure ingest as another checkout (its .venv) serves it: "
                    "an A/B of two versions of the code, e.g. --compare /work/main")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pts-cpu-"))
    pgserver = embedded_server(work / "pgdata")
    postmaster = pgserver.get_pid()
    servers = {}
    try:
        url = new_database(pgserver.get_uri(), "bench_cpu")
        source = ROOT / "functions/ingest/main.py"
        servers["no-op"] = serve(args.port, "noop", NOOP, url, work, args.workers)
        servers["ingest"] = serve(args.port + 1, "ingest", source, url, work, args.workers)
        if args.variant:
            servers["variant"] = serve(args.port + 2, "ingest", source, url, work,
                                       args.workers, dict(v.split("=", 1) for v in
                                                          args.variant), "ingest-variant")
        if args.compare:
            servers[f"ingest ({args.compare})"] = serve(
                args.port + 3, "ingest", args.compare / "functions/ingest/main.py", url, work,
                args.workers, name="ingest-compare", checkout=args.compare.resolve())
        for s in servers.values():  # warm up: imports, pools, the token cache
            measure(s, postmaster, 1, url)
        runs: dict[str, list[dict]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, s in servers.items():
                runs[name].append(measure(s, postmaster, args.seconds, url))
    finally:
        for s in servers.values():
            s.stop()
        pgserver.cleanup()
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"CPU microseconds per request (median of {args.rounds} runs)\n")
    print("| server | req/s | p50 ms | server CPU | PostgreSQL CPU | wrk CPU | total | "
          "ratio of totals | requests per commit |")
    print("|---|---|---|---|---|---|---|---|---|")

    def med(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]

    base = med([r["server"] + r["postgres"] + r["wrk"] for r in runs["no-op"]])
    for name, rs in runs.items():
        total = med([r["server"] + r["postgres"] + r["wrk"] for r in rs])
        print(f"| {name} | {med([r['rps'] for r in rs]):,.0f} | {med([r['p50'] for r in rs]):.1f} "
              f"| {med([r['server'] for r in rs]):,.0f} | {med([r['postgres'] for r in rs]):,.0f} "
              f"| {med([r['wrk'] for r in rs]):,.0f} | {total:,.0f} | {total / base:.2f}x "
              f"| {med([r['per_commit'] for r in rs]):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
