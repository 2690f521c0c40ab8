"""Handler cost per delivery, and `pts replay` throughput (embedded PostgreSQL).

Run: uv run python bench/handlers_throughput.py [--deployments 300]

One service in one environment accumulates history: per deployment a started, a succeeded
and a health change. Each event is delivered to every handler that takes it, through
pts.projections.delivery.apply_delivered (what the HTTP entry point calls), first in log order (the
usual case), then again into emptied tables in a scrambled order.
Baseline, measured in the same run: the least any delivery does, a transaction that reads
the event from the log by (source, id) and records one row (a durable commit). The ratio
says how many such transactions a delivery costs; first and last quarter show how it grows
with the key's history.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=300)
    args = parser.parse_args()
    import os

    from pts.db.embedded import ensure_embedded

    os.environ["DATABASE_URL"] = ensure_embedded(Path(tempfile.mkdtemp(prefix="pts-bench-")))
    from projections.helpers import handlers_for, log
    from projections.test_replay import stream

    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.projections.delivery import apply_delivered
    from pts.projections.facts import load_one
    from pts.projections.registry import PROJECTIONS
    from pts.projections.replay import replay

    pool = get_pool(get_settings())
    events = stream(args.deployments)
    for i in range(0, len(events), 500):
        log(events[i:i + 500])
    jobs = [(e, h) for e in events for h in handlers_for(e["type"])]

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    with pool.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_marks (source text, id text)")

    def read(e):
        with pool.connection() as conn, conn.transaction():
            fact = load_one(conn, e["source"], e["id"])
            conn.execute("INSERT INTO bench_marks VALUES (%s, %s)", (fact.source, fact.id))

    base = statistics.median(timed(lambda e=e: read(e)) for e, _ in jobs)

    def clear():
        with pool.connection() as conn:
            for p in PROJECTIONS.values():
                for t in p.tables:
                    conn.execute(f"DELETE FROM {t}")

    def run(order, label):
        clear()
        times = [timed(lambda e=e, h=h: apply_delivered(pool, PROJECTIONS[h], e)) for e, h in order]
        q = len(times) // 4
        first, last = statistics.median(times[:q]), statistics.median(times[-q:])
        print(f"{label:<10} {len(times)} deliveries: median {statistics.median(times)*1e3:6.2f}"
              f" ms ({statistics.median(times)/base:4.1f}x baseline); first quarter "
              f"{first/base:4.1f}x, last quarter {last/base:4.1f}x")
        for name in PROJECTIONS:
            mine = [t for t, (_, h) in zip(times, order, strict=True) if h == name]
            print(f"{'':<10} {name:<12} median {statistics.median(mine)*1e3:6.2f} ms")

    print(f"baseline   read one event, record one row, commit: {base*1e3:.2f} ms")
    run(jobs, "in order")
    scrambled = list(jobs)
    random.Random(1).shuffle(scrambled)
    run(scrambled, "scrambled")
    with pool.connection() as conn:
        start = time.perf_counter()
        applied = sum(replay(conn, p).applied for p in PROJECTIONS.values())
        took = time.perf_counter() - start
    print(f"replay     {applied} event applications in {took:.2f} s: "
          f"{applied/took:.0f}/s ({took/applied/base:.2f}x baseline each)")


if __name__ == "__main__":
    main()
