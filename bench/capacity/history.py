"""Cost of one delivery as the history of one key grows (100 -> 100,000 events), through
the handlers' own entry (pts.projections.delivery.apply_delivered, what the HTTP path calls).

services: health changes of one (service, environment); deployments: deployments (started,
then succeeded) of one (service, environment). The history is written straight into the log
and applied as a replay would; then deliveries of newer events are timed one by one, and
one late event (older than the newest 10) shows the out-of-order path."""

from __future__ import annotations

import os
import statistics
import time

from capacity.procs import connect

HEALTH = """
INSERT INTO platform_events (id, source, type, specversion, data, occurred_at, service,
                             environment, content_hash)
SELECT %(tag)s || g, '/bench/history', 'dev.pts.service.health_changed', '1.0',
       jsonb_build_object('service', 'api', 'environment', 'prod', 'status',
                          (ARRAY['healthy', 'degraded'])[1 + g %% 2]),
       timestamptz '2026-01-01' + g * interval '1 second', 'api', 'prod', md5(g::text)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
"""
DEPLOY = """
INSERT INTO platform_events (id, source, type, specversion, data, occurred_at, service,
                             environment, content_hash)
SELECT %(tag)s || g, '/bench/history',
       CASE WHEN g %% 2 = 0 THEN 'dev.pts.deployment.started'
            ELSE 'dev.pts.deployment.succeeded' END, '1.0',
       jsonb_build_object('deployment_id', 'd' || (g / 2), 'service', 'api', 'environment',
                          'prod', 'version', '1.' || (g / 2 %% 7)),
       timestamptz '2026-01-01' + g * interval '1 second', 'api', 'prod', md5(g::text)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
"""


def _grow(conn, sql: str, tag: str, lo: int, hi: int, projection) -> None:
    from pts.projections.engine import apply
    from pts.projections.facts import load_range

    after = conn.execute("SELECT coalesce(max(seq), 0) FROM platform_events").fetchone()[0]
    conn.execute(sql, {"tag": tag, "lo": lo, "hi": hi})
    while True:
        with conn.transaction():
            facts = load_range(conn, list(projection.types), after, 5000)
            if not facts:
                return
            apply(conn, projection, facts, lock=False)
        after = facts[-1].seq


def _time(pool, projection, conn, tag: str, numbers: list[int]) -> float:
    from pts.projections.delivery import apply_delivered

    times = []
    for n in numbers:
        start = time.perf_counter()
        apply_delivered(pool, projection, {"source": "/bench/history", "id": f"{tag}{n}"})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(cfg, url: str) -> list[dict]:
    from pts.config import reset_settings
    from pts.db.pool import get_pool
    from pts.projections.registry import PROJECTIONS

    os.environ["DATABASE_URL"] = url
    reset_settings()
    pool = get_pool()
    sizes = [100, 1_000, 10_000] + ([] if cfg.quick else [100_000])
    rows = []
    for name, sql in (("services", HEALTH), ("deployments", DEPLOY)):
        projection = PROJECTIONS[name]
        tag = f"{name[0]}-"
        costs, late = {}, {}
        with connect(url) as conn:
            done = 0
            for size in sizes:
                _grow(conn, sql, tag, done + 1, size, projection)
                done = size
                # 40 newer events, applied one delivery each; then one late one.
                conn.execute(sql, {"tag": tag, "lo": size + 1, "hi": size + 41})
                conn.execute(sql.replace("g * interval", "(g - 25) * interval"),
                             {"tag": tag + "late-", "lo": size + 41, "hi": size + 41})
                # Settle what writing the history left behind (WAL, autovacuum's work),
                # so the timing is of the delivery, not of the bulk load before it.
                conn.execute("VACUUM ANALYZE")
                conn.execute("CHECKPOINT")
                costs[size] = _time(pool, projection, conn, tag, list(range(size + 1,
                                                                             size + 41)))
                late[size] = _time(pool, projection, conn, tag + "late-", [size + 41])
                done = size + 41
        first, last = costs[sizes[0]], costs[sizes[-1]]
        rows.append({
            "figure": f"one delivery, {name} handler, history {sizes[0]:,} -> {sizes[-1]:,}",
            "baseline": f"{first * 1e3:.2f} ms at {sizes[0]:,}",
            "pts": " / ".join(f"{costs[s] * 1e3:.2f}" for s in sizes) + " ms; late event "
                   + " / ".join(f"{late[s] * 1e3:.1f}" for s in sizes) + " ms",
            "ratio": last / first, "target": "<= 1.5x", "ok": last / first <= 1.5})
    return rows
