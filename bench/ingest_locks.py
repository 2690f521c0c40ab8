"""The cost of the advisory locks that keep concurrent ingest deadlock-free.

Baseline (same run, same database): the same append statement with an empty lock plan (no
lock taken). Sequential requests of 1, 20 and 1,000 events (the last takes one exclusive log
lock instead of one per event). Reported as ratios: absolute figures on a shared machine
are noise.

    uv run python bench/ingest_locks.py [--requests 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from unittest import mock

from capacity.procs import embedded_server, new_database

from pts import eventlog as event_log
from pts.db.pool import get_pool
from pts.usecases.ingest import ingest

NO_LOCKS = {"exclusive": [], "space": [], "key": []}


def envelopes(n: int, tag: str):
    from pts.domain.envelope import validate_event

    return [validate_event({
        "specversion": "1.0", "type": "dev.pts.deployment.started", "source": f"/bench/{tag}",
        "id": str(i), "data": {"deployment_id": f"d-{i}", "service": "api",
                               "environment": "prod", "version": "1"}}) for i in range(n)]


def run(pool, size: int, requests: int, locked: bool) -> float:
    batches = [envelopes(size, uuid.uuid4().hex) for _ in range(max(1, requests // size))]
    plan = event_log.lock_plan if locked else (lambda events: NO_LOCKS)
    with mock.patch.object(event_log, "lock_plan", plan):
        start = time.perf_counter()
        for batch in batches:
            ingest(pool, batch)
        elapsed = time.perf_counter() - start
    return elapsed / sum(len(b) for b in batches)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = embedded_server()
    url = new_database(server.get_uri(), "bench")
    from pts.config import get_settings

    pool = get_pool(get_settings(database_url=url))
    print(f"seconds per event, median of {args.rounds} interleaved rounds:")
    for size in (1, 20, 1000):
        timings: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for locked in (False, True):
                timings[locked].append(run(pool, size, max(args.requests, size), locked))
        base, with_locks = (statistics.median(timings[k]) for k in (False, True))
        print(f"  {size:5d} events/request  no locks {base * 1e6:8.1f} us  "
              f"locks {with_locks * 1e6:8.1f} us  ratio x{with_locks / base:4.2f}")
    pool.close()


if __name__ == "__main__":
    main()
