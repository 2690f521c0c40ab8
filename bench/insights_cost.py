"""What the insights cost: migration 0009's partial indexes on ingest, and GET /dora's
reads against the least any answer needs.

1. Ingest: the same batches (deployment events, one in four carrying `changes`, and a few
   incidents) into two databases prefilled alike, one without 0009's indexes (baseline),
   interleaved round by round. Reported as a ratio of median times.
2. /dora: four_keys() over a 30-day window of a generated history (deployments, their
   changes, incidents) against the baseline of reading that window's deployments alone
   (one indexed query), same connection, interleaved.

    uv run python bench/insights_cost.py [--events 1000] [--rounds 7] [--prefill 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime

from capacity.procs import embedded_server, prefilled_database

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.domain.envelope import validate_event
from pts.insights import queries
from pts.insights.dora import four_keys
from pts.usecases.ingest import ingest

INDEXES = ("ix_events_incident_environment", "ix_events_incident_id", "ix_events_change_commit",
           "ix_events_deployment_changes")
PREFILL = """
INSERT INTO platform_events (id, source, type, specversion, subject, time, data,
    occurred_at, service, environment, content_hash)
SELECT 'p' || i, '/prefill', t, '1.0', 'd-' || (i / 2), ts, d, ts, d ->> 'service', 'prod', 'h'
FROM generate_series(1, %(n)s) AS i,
  LATERAL (SELECT timestamptz '2026-08-01T00:00:00Z' + i * interval '1 minute' AS ts) AS w,
  LATERAL (SELECT CASE WHEN i %% 50 = 0 THEN 'dev.pts.incident.opened'
                       WHEN i %% 2 = 0 THEN 'dev.pts.deployment.started'
                       ELSE 'dev.pts.deployment.succeeded' END AS t) AS k,
  LATERAL (SELECT CASE WHEN i %% 50 = 0 THEN jsonb_build_object(
                     'incident_id', 'inc-' || i, 'service', 'svc-' || (i %% 20),
                     'environment', 'prod')
                  ELSE jsonb_build_object('deployment_id', 'd-' || (i / 2),
                     'service', 'svc-' || (i %% 20), 'environment', 'prod',
                     'version', '1.' || i, 'commit', 'c' || i)
                  || CASE WHEN i %% 8 = 0 THEN jsonb_build_object('changes',
                     jsonb_build_array(jsonb_build_object('commit', 'c' || i,
                       'time', to_char(ts - interval '3 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))))
                     ELSE '{}' END END AS d) AS x
"""
DEPLOYMENTS = """
INSERT INTO deployments (deployment_id, service, environment, version, commit, status,
    started_at, finished_at, succeeded_at, event_seqs, first_event_at, last_event_at)
SELECT 'd-' || i, 'svc-' || (i %% 20), 'prod', '1.' || i, 'c' || (2 * i),
    CASE WHEN i %% 10 = 0 THEN 'failed' ELSE 'succeeded' END, ts, ts + interval '1 minute',
    CASE WHEN i %% 10 = 0 THEN NULL ELSE ts + interval '1 minute' END, '{}', ts,
    ts + interval '1 minute'
FROM generate_series(1, %(n)s / 2) AS i,
  LATERAL (SELECT timestamptz '2026-08-01T00:00:00Z' + 2 * i * interval '1 minute' AS ts) w
"""


def batch(n: int, tag: str):
    out = []
    for i in range(n):
        if i % 50 == 0:
            data = {"incident_id": f"{tag}-{i}", "service": f"svc-{i % 20}",
                    "environment": "prod"}
            type_ = "dev.pts.incident.opened"
        else:
            data = {"deployment_id": f"{tag}-{i}", "service": f"svc-{i % 20}",
                    "environment": "prod", "version": f"1.{i}", "commit": f"c{i}"}
            if i % 4 == 0:
                data["changes"] = [{"commit": f"c{i}", "time": "2026-11-27T08:00:00Z"}]
            type_ = "dev.pts.deployment.started"
        out.append(validate_event({"specversion": "1.0", "type": type_, "source": "/bench",
                                   "id": f"{tag}-{i}", "time": "2026-11-27T10:00:00Z",
                                   "data": data}))
    return out


def database(admin: str, name: str, prefill: int, drop: bool) -> str:
    return prefilled_database(admin, name, (PREFILL, DEPLOYMENTS), prefill,
                              INDEXES if drop else ())


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--prefill", type=int, default=100_000)
    args = parser.parse_args()
    server = embedded_server()
    admin = server.get_uri()
    base = get_pool(get_settings(database_url=database(admin, "b0", args.prefill, True)))
    full = get_pool(get_settings(database_url=database(admin, "b9", args.prefill, False)))
    costs = {"without 0009 (baseline)": [], "with 0009": []}
    for _ in range(args.rounds):
        tag = uuid.uuid4().hex[:8]
        for name, pool in zip(costs, (base, full), strict=True):
            envs = batch(args.events, tag)
            costs[name] += timed(lambda p=pool, e=envs: ingest(p, e), 1)
    b = statistics.median(costs["without 0009 (baseline)"])
    print(f"ingest, {args.events} events per request, {args.prefill} stored, median:")
    for name, values in costs.items():
        m = statistics.median(values)
        print(f"  {name:24s} {m:.4f} s  x{m / b:.2f}")
    since, until = datetime(2026, 8, 20, tzinfo=UTC), datetime(2026, 9, 19, tzinfo=UTC)
    with full.connection() as conn:
        window, dora = [], []
        for _ in range(args.rounds):  # interleaved
            window += timed(lambda: queries.window(conn, "prod", None, since, until), 1)
            dora += timed(lambda: four_keys(conn, "prod", None, since, until), 1)
        answer = four_keys(conn, "prod", None, since, until)
    w, d = statistics.median(window), statistics.median(dora)
    print(f"/dora over 30 days ({answer['change_failure_rate']['total']} deployments), "
          f"median: window read {w * 1000:.1f} ms, four_keys {d * 1000:.1f} ms, x{d / w:.2f}")
    base.close()
    full.close()
    server.cleanup()


if __name__ == "__main__":
    main()
