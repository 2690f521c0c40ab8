"""How long CLI commands take, against the interpreter's own start-up and against what every
command used to do first (alembic's full upgrade check), interleaved round by round.

    uv run python bench/cli_latency.py [--rounds 7] [--data-dir DIR]

Runs against the embedded server of --data-dir (started and migrated first; a `pts up` may be
running on it, which is the case the issue measures), else a throwaway one. Prints medians
of wall time and of CPU time (user + sys of the child): on a shared machine the CPU time is
the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="pts-bench-cli-"))
    py = sys.executable
    subprocess.run([py, "-m", "pts.cli", "migrate", "--data-dir", str(data)], cwd=ROOT,
                   check=True, capture_output=True)
    old_check = ("import sys; from pts.db.embedded import ensure_embedded; "
                 "from pts.db.migrate import upgrade; upgrade(ensure_embedded(sys.argv[1], "
                 "migrate=False))")
    commands = {
        "python -c pass (floor)": [py, "-c", "pass"],
        "alembic upgrade check (what each command did first)": [py, "-c", old_check,
                                                                str(data)],
        "pts token list": [py, "-m", "pts.cli", "token", "list", "--data-dir", str(data)],
        "pts status": [py, "-m", "pts.cli", "status", "--data-dir", str(data)],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, cmd in commands.items():
            results[name].append(timed(cmd))
    floor = statistics.median(c for _, c in results["python -c pass (floor)"])
    report = {}
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        report[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                        "cpu_vs_floor": round(cpu / floor, 1) if floor else None}
    print(json.dumps({"rounds": args.rounds, "load": os.getloadavg(), **report}, indent=2))


if __name__ == "__main__":
    main()
