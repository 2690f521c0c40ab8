"""Ingest throughput: one statement per request versus one round trip per event.

Baseline (same run, same database): the same events appended one INSERT per event inside
one transaction. Reported as a ratio, since absolute figures on a shared machine are noise.

    uv run python bench/ingest_batch.py [--events 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from capacity.procs import embedded_server, new_database

from pts.db.pool import get_pool
from pts.domain.envelope import validate_event
from pts.eventlog import append
from pts.usecases.ingest import ingest


def events(n: int, tag: str):
    return [validate_event({
        "specversion": "1.0", "type": "dev.pts.deployment.started", "source": f"/bench/{tag}",
        "id": str(i), "time": "2026-11-27T10:00:00Z",
        "data": {"deployment_id": f"d-{i}", "service": f"svc-{i % 20}", "environment": "prod",
                 "version": f"1.{i}", "pipeline": {"name": "deploy", "run_id": str(i)}},
    }) for i in range(n)]


def per_event(pool, envs) -> None:
    with pool.connection() as conn, conn.transaction():
        for env in envs:
            append(conn, [env])


def one_statement(pool, envs) -> None:
    ingest(pool, envs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = embedded_server()
    url = new_database(server.get_uri(), "bench")
    from pts.config import get_settings

    pool = get_pool(get_settings(database_url=url))
    timings: dict[str, list[float]] = {"per-event (baseline)": [], "one statement": []}
    for _ in range(args.rounds):  # interleaved, so that drift affects both alike
        for name, fn in (("per-event (baseline)", per_event), ("one statement", one_statement)):
            envs = events(args.events, uuid.uuid4().hex)
            start = time.perf_counter()
            fn(pool, envs)
            timings[name].append(time.perf_counter() - start)
    base = statistics.median(timings["per-event (baseline)"])
    print(f"{args.events} events per request, {args.rounds} rounds, median seconds:")
    for name, values in timings.items():
        med = statistics.median(values)
        print(f"  {name:22s} {med:8.4f} s  {args.events / med:10.0f} events/s  "
              f"speed-up x{base / med:5.1f}")
    pool.close()


if __name__ == "__main__":
    main()
