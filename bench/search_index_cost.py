"""What the search indexes (migration 0004) cost ingest.

Baseline (same run, same server): a database migrated the same way, with the 0004 indexes
dropped. Both are filled with the same prefix of events first (the GIN indexes cost more as
they grow), then the same batches are ingested, interleaved, and timed. Reported as a ratio.

    uv run python bench/search_index_cost.py [--events 1000] [--rounds 5] [--prefill 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from capacity.procs import embedded_server, prefilled_database

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.domain.envelope import validate_event
from pts.usecases.ingest import ingest


def events(n: int, tag: str):
    """Deployment events like the ingest benchmark's, with words for the text index."""
    return [validate_event({
        "specversion": "1.0", "type": "dev.pts.deployment.started", "source": f"/bench/{tag}",
        "id": str(i), "time": "2026-11-27T10:00:00Z",
        "data": {"deployment_id": f"d-{i}", "service": f"svc-{i % 20}", "environment": "prod",
                 "version": f"1.{i}", "pipeline": {"name": "deploy", "run_id": str(i)},
                 "image": f"ghcr.io/acme/svc-{i % 20}:1.{i}", "actor": "release bot"},
    }) for i in range(n)]

SEARCH_INDEXES = ("ix_events_source_seq", "ix_events_service_seq", "ix_events_type_c",
                  "ix_events_data", "ix_events_data_fts")
PREFILL = """
INSERT INTO platform_events (id, source, type, specversion, subject, time, data,
    occurred_at, service, environment, content_hash)
SELECT 'p' || i, '/prefill', 'dev.pts.deployment.started', '1.0', 'd-' || i, now(),
    jsonb_build_object('deployment_id', 'd-' || i, 'service', 'svc-' || (i %% 20),
        'environment', 'prod', 'version', '1.' || i, 'reason', 'rollout ' || i),
    now(), 'svc-' || (i %% 20), 'prod', 'h'
FROM generate_series(1, %(n)s) AS i
"""


def database(admin: str, name: str, prefill: int, drop: bool) -> str:
    return prefilled_database(admin, name, (PREFILL,), prefill,
                              SEARCH_INDEXES if drop else ())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prefill", type=int, default=100_000)
    args = parser.parse_args()
    server = embedded_server()
    admin = server.get_uri()
    pools = {
        "without 0004 (baseline)": get_pool(get_settings(
            database_url=database(admin, "bench_base", args.prefill, drop=True))),
        "with 0004": get_pool(get_settings(
            database_url=database(admin, "bench_search", args.prefill, drop=False))),
    }
    timings: dict[str, list[float]] = {name: [] for name in pools}
    for _ in range(args.rounds):  # interleaved, so that drift affects both alike
        tag = uuid.uuid4().hex
        for name, pool in pools.items():
            envs = events(args.events, tag)
            start = time.perf_counter()
            ingest(pool, envs)
            timings[name].append(time.perf_counter() - start)
    base = statistics.median(timings["without 0004 (baseline)"])
    base_mean = statistics.fmean(timings["without 0004 (baseline)"])
    print(f"{args.events} events per request, {args.rounds} rounds, {args.prefill} events "
          "already stored, median seconds:")
    for name, values in timings.items():
        med, mean = statistics.median(values), statistics.fmean(values)
        print(f"  {name:24s} {med:8.4f} s  {args.events / med:10.0f} events/s  "
              f"cost x{med / base:5.2f}  (mean x{mean / base_mean:5.2f}, worst "
              f"{max(values):.4f} s)")
    print("The mean counts the GIN pending-list flushes, which land in some batches only.")
    for pool in pools.values():
        pool.close()
    server.cleanup()


if __name__ == "__main__":
    main()
