"""Cost of one delivery as the history of one key grows (100 -> 100,000 events), through
the handlers' own entry (pts.projections.delivery.apply_delivered, what the HTTP path calls).

services: health changes of one (service, environment); deployments: deployments (started,
then succeeded) of one (service, environment); images: the same deployments naming an image
each (a version of seven, so every success starts a run: the pair's image runs grow too). Each history size is a key of its own (service
`h<size>`), written straight into the log and applied as a replay would. Then deliveries of
newer events are timed one by one, the sizes in turn round after round (the order rotating),
so that the machine's noise falls on every size alike and the 100-event key is the baseline
measured in the same rounds; last, one late event per key (older than its newest 25) shows
the out-of-order path."""

from __future__ import annotations

import os
import statistics
import time

from capacity.procs import connect

HEALTH = """
INSERT INTO platform_events (id, source, type, specversion, data, occurred_at, service,
                             environment, content_hash)
SELECT %(tag)s || g, '/bench/history', 'dev.pts.service.health_changed', '1.0',
       jsonb_build_object('service', %(svc)s::text, 'environment', 'prod', 'status',
                          (ARRAY['healthy', 'degraded'])[1 + g %% 2]),
       timestamptz '2026-01-01' + g * interval '1 second', %(svc)s, 'prod', md5(g::text)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
"""
DEPLOY = """
INSERT INTO platform_events (id, source, type, specversion, data, occurred_at, service,
                             environment, content_hash)
SELECT %(tag)s || g, '/bench/history',
       CASE WHEN g %% 2 = 0 THEN 'dev.pts.deployment.started'
            ELSE 'dev.pts.deployment.succeeded' END, '1.0',
       jsonb_build_object('deployment_id', %(tag)s || 'd' || (g / 2), 'service', %(svc)s::text,
                          'environment', 'prod', 'version', '1.' || (g / 2 %% 7)),
       timestamptz '2026-01-01' + g * interval '1 second', %(svc)s, 'prod', md5(g::text)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
"""

# The same deployments, each naming its image on both events.
IMAGED = DEPLOY.replace("'version', '1.' || (g / 2 %% 7)",
                        "'version', '1.' || (g / 2 %% 7), 'image', 'reg/h:1.' || (g / 2 %% 7)")

ROUNDS = 40


def _grow(conn, sql: str, key: dict, lo: int, hi: int, projection) -> None:
    from pts.projections.engine import apply
    from pts.projections.facts import load_range

    after = conn.execute("SELECT coalesce(max(seq), 0) FROM platform_events").fetchone()[0]
    conn.execute(sql, {**key, "lo": lo, "hi": hi})
    while True:
        with conn.transaction():
            facts = load_range(conn, list(projection.types), after, 5000)
            if not facts:
                return
            apply(conn, projection, facts, lock=False)
        after = facts[-1].seq


def _once(pool, projection, event_id: str) -> float:
    from pts.projections.delivery import apply_delivered

    start = time.perf_counter()
    apply_delivered(pool, projection, {"source": "/bench/history", "id": event_id})
    return time.perf_counter() - start


def run(cfg, url: str) -> list[dict]:
    from pts.config import reset_settings
    from pts.db.pool import get_pool
    from pts.projections.registry import PROJECTIONS

    os.environ["DATABASE_URL"] = url
    reset_settings()
    pool = get_pool()
    sizes = [100, 1_000, 10_000] + ([] if cfg.quick else [100_000])
    rows = []
    for name, sql in (("services", HEALTH), ("deployments", DEPLOY), ("images", IMAGED)):
        projection = PROJECTIONS[name]
        keys = {size: {"tag": f"{name[0]}{size}-", "svc": f"h{size}"} for size in sizes}
        with connect(url) as conn:
            for size, key in keys.items():
                _grow(conn, sql, key, 1, size, projection)
                # ROUNDS newer events to deliver one by one, and one late one.
                conn.execute(sql, {**key, "lo": size + 1, "hi": size + ROUNDS})
                conn.execute(sql.replace("g * interval", "(g - 25) * interval"),
                             {**key, "tag": key["tag"] + "late-", "lo": size + ROUNDS + 1,
                              "hi": size + ROUNDS + 1})
            # Settle what writing the histories left behind (WAL, autovacuum's work), so
            # the timing is of the deliveries, not of the bulk load before them.
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
        times: dict[int, list[float]] = {size: [] for size in sizes}
        for i in range(ROUNDS):
            for size in sizes[i % len(sizes):] + sizes[:i % len(sizes)]:
                times[size].append(_once(pool, projection, f"{keys[size]['tag']}{size + 1 + i}"))
        costs = {size: statistics.median(t) for size, t in times.items()}
        late = {size: _once(pool, projection, f"{key['tag']}late-{size + ROUNDS + 1}")
                for size, key in keys.items()}
        first, last = costs[sizes[0]], costs[sizes[-1]]
        rows.append({
            "figure": f"one delivery, {name} handler, history {sizes[0]:,} -> {sizes[-1]:,}",
            "baseline": f"{first * 1e3:.2f} ms at {sizes[0]:,} (same rounds)",
            "pts": " / ".join(f"{costs[s] * 1e3:.2f}" for s in sizes) + " ms; late event "
                   + " / ".join(f"{late[s] * 1e3:.1f}" for s in sizes) + " ms",
            "ratio": last / first, "target": "<= 1.5x", "ok": last / first <= 1.5})
    return rows
