"""The capacity benchmark (issue 11): every figure of the Targets table, each against its
baseline measured in the same run, printed as one table.

    uv run python bench/run.py            # full run, about 10 minutes
    uv run python bench/run.py --quick    # smaller log, shorter runs, about 4 minutes
    uv run python bench/run.py --only ingest,platform --profile

HTTP load comes from wrk (Debian package `wrk`) with the Lua scripts in bench/wrk/. One
embedded PostgreSQL serves every figure, a fresh database each. --profile records each
loaded server with py-spy and prints the hottest functions (needs ptrace rights).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capacity import history, ingest, platform, profile, searchload  # noqa: E402
from capacity.procs import embedded_server, new_database  # noqa: E402

FIGURES = ("ingest", "platform", "history", "replay", "search")


@dataclass
class Config:
    quick: bool
    port: int
    logs: Path
    workers: int
    seconds: float
    rounds: int
    platform_seconds: float
    drain_limit: float
    log_events: int
    profiling: bool
    profiles: list = field(default_factory=list)
    variant: dict = field(default_factory=dict)  # settings of the A/B ingest server

    def profile_hook(self, name: str, server, delay: float = 1.0) -> None:
        if self.profiling:
            self.profiles.append(profile.record_later(name, server, delay, self.logs))


def table(rows: list[dict]) -> str:
    out = ["| figure | baseline (same run) | PTS | ratio | target | met |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        out.append(f"| {r['figure']} | {r['baseline']} | {r['pts']} | {ratio} | "
                   f"{r['target']} | {'yes' if r['ok'] else 'NO'} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller and shorter (~4 minutes)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("PTS_BENCH_PORT", 18300)),
                    help="first of 4 consecutive ports (default 18300)")
    ap.add_argument("--only", default=",".join(FIGURES), help=f"comma list of {FIGURES}")
    ap.add_argument("--profile", action="store_true", help="py-spy the servers under load")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=VALUE",
                    help="also measure ingest (single events and batches) and the platform "
                    "with this setting (or a `pts serve` / `pts up` option: --threads=16, "
                    "--workers=3), interleaved in the same run (an A/B; repeat for "
                    "several changes at once)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    only = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="pts-bench-"))
    cfg = Config(quick=args.quick, port=args.port, logs=work, workers=os.cpu_count() or 1,
                 seconds=5 if args.quick else 10, rounds=2 if args.quick else 3,
                 platform_seconds=20 if args.quick else 60, drain_limit=30,
                 log_events=200_000 if args.quick else 1_000_000, profiling=args.profile,
                 variant=dict(v.split("=", 1) for v in args.variant))
    server = embedded_server(work / "pgdata")
    admin = server.get_uri()
    rows: list[dict] = []
    started = time.monotonic()
    try:
        if "ingest" in only:
            url = new_database(admin, "bench_ingest")
            rows += ingest.single(cfg, url)
            for size in (100, 500):
                rows += ingest.batches(cfg, url, size)
        if "platform" in only:
            rows += platform.run(cfg, new_database(admin, "bench_platform"), size=1)
            env = cfg.variant  # settings, and `pts up` options (--workers=3)
            if env:
                rows += platform.run(cfg, new_database(admin, "bench_platform_variant"),
                                     size=1, variant=env)
            rows += platform.run(cfg, new_database(admin, "bench_platform_batch"), size=100)
            if env:
                rows += platform.run(cfg, new_database(admin, "bench_platform_batch_variant"),
                                     size=100, variant=env)
        if "history" in only:
            rows += history.run(cfg, new_database(admin, "bench_history"))
        if "replay" in only or "search" in only:  # search reads what the replay built
            url = new_database(admin, "bench_search")
            searchload.fill(url, cfg.log_events)
            rows.append(searchload.replay(cfg, url, cfg.log_events))
            if "search" in only:
                rows.append(searchload.search(cfg, url, cfg.log_events))
    finally:
        for t in cfg.profiles:
            t.join()
        from pts.db.pool import close_all

        close_all()
        server.cleanup()
    print(f"\n{os.cpu_count()} cores; {time.monotonic() - started:.0f} s; "
          f"{'quick' if args.quick else 'full'} run; logs in {work}\n")
    print(table(rows))
    for t in cfg.profiles:
        print(t.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
