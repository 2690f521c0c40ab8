"""Statements and round trips of one in-process batch per projection (embedded PostgreSQL).

Run: uv run python bench/handler_statements.py [--batch 100] [--batches 5]

Logs a stream of deployments, health changes and an image, then applies it per projection in
batches through pts.projections.delivery.apply_events, one transaction per batch, as the
in-process dispatcher and the HTTP entry run it (--pipeline: in psycopg's pipeline mode).
Counts, per batch: statements (Cursor.execute calls), and round trips (from libpq's protocol
trace: a run of messages sent, then an answer read; the thread gives up the GIL at each),
and the wall time. docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--pipeline", action="store_true",
                        help="run each batch's transaction in psycopg's pipeline mode")
    args = parser.parse_args()
    import os

    from pts.db.embedded import ensure_embedded

    os.environ["DATABASE_URL"] = ensure_embedded(Path(tempfile.mkdtemp(prefix="pts-bench-")))
    import psycopg
    from projections.helpers import log
    from projections.test_replay import stream

    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.projections.delivery import apply_events
    from pts.projections.registry import PROJECTIONS

    counts = {"statements": 0, "round trips": 0}
    execute, wait = psycopg.Cursor.execute, psycopg.Connection.wait

    def counted_execute(self, *a, **k):
        counts["statements"] += 1
        return execute(self, *a, **k)

    traced: set[int] = set()
    trace_fd, trace_path = tempfile.mkstemp(prefix="pts-trace-")

    def counted_wait(self, *a, **k):
        if id(self) not in traced:  # libpq's protocol trace, read by round_trips
            traced.add(id(self))
            self.pgconn.trace(trace_fd)
        return wait(self, *a, **k)

    def round_trips() -> int:
        # A round trip: the client sends (F lines), then reads the server's answer (B lines).
        trips, last = 0, "B"
        with open(trace_path) as f:
            for line in f:
                way = line.split("\t")[1] if line.count("\t") > 1 else last
                trips += way == "F" and last == "B"
                last = way
        return trips

    psycopg.Cursor.execute, psycopg.Connection.wait = counted_execute, counted_wait
    pool = get_pool(get_settings())
    events = stream(args.batch * args.batches // 3 + 1)
    for i in range(0, len(events), 500):
        log(events[i:i + 500])
    for name, projection in PROJECTIONS.items():
        mine = [e for e in events if e["type"] in projection.types]
        per = {"statements": [], "round trips": [], "ms": []}
        for i in range(0, len(mine), args.batch)[:args.batches]:
            counts["round trips"] = round_trips()
            before = dict(counts)
            start = time.perf_counter()
            with pool.connection() as conn, (conn.pipeline() if args.pipeline
                                             else contextlib.nullcontext()), conn.transaction():
                problems, _ = apply_events(conn, projection, mine[i:i + args.batch])
                assert not any(problems), problems
            per["ms"].append((time.perf_counter() - start) * 1e3)
            counts["round trips"] = round_trips()
            for k in ("statements", "round trips"):
                per[k].append(counts[k] - before[k])
        print(f"{name:<12} batches of up to {args.batch}: "
              + ", ".join(f"{k} median {statistics.median(v):.1f}" for k, v in per.items()))
    os.close(trace_fd)
    os.unlink(trace_path)


if __name__ == "__main__":
    main()
