"""A large log for search and replay: N events of the mixed shape, written by one statement
(200 services x 4 environments, deployments started then finished, health, images, platform
events), then `pts replay` timed, then the common searches of docs/api.md under wrk."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from capacity.procs import ROOT, TOKEN, Server, connect, wrk, wrk_timed

# g % 10: 0-3 health (40%), 4 started, 5 its end (20% deployments), 6 service started,
# 7 image published, 8-9 platform events. One event per second from 2026-01-01.
LOG = """
INSERT INTO platform_events (id, source, type, specversion, datacontenttype, data,
                             occurred_at, time, service, environment, content_hash)
SELECT 'e-' || g, '/bench/log', t.type, '1.0', 'application/json', t.data, k.ts, k.ts,
       CASE WHEN t.type LIKE 'dev.pts.platform.%%' THEN NULL ELSE k.svc END,
       CASE WHEN t.type LIKE 'dev.pts.platform.%%' OR t.type LIKE 'dev.pts.image.%%'
            THEN NULL ELSE k.env END, md5(g::text)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
CROSS JOIN LATERAL (SELECT 's' || ((g / 10) %% 200) AS svc,
    (ARRAY['prod', 'staging', 'dev', 'qa'])[1 + (g / 2000) %% 4] AS env,
    timestamptz '2026-01-01' + g * interval '1 second' AS ts,
    'd-' || (g / 10) AS did, md5(g::text) || md5((g + 1)::text) AS hex) k
CROSS JOIN LATERAL (SELECT CASE
    WHEN g %% 10 < 4 THEN 'dev.pts.service.health_changed'
    WHEN g %% 10 = 4 THEN 'dev.pts.deployment.started'
    WHEN g %% 10 = 5 THEN (ARRAY['dev.pts.deployment.succeeded', 'dev.pts.deployment.succeeded',
                                 'dev.pts.deployment.failed'])[1 + (g / 10) %% 3]
    WHEN g %% 10 = 6 THEN 'dev.pts.service.started'
    WHEN g %% 10 = 7 THEN 'dev.pts.image.published'
    ELSE 'dev.pts.platform.node_drained' END AS type,
  CASE
    WHEN g %% 10 < 4 THEN jsonb_build_object('service', k.svc, 'environment', k.env,
        'status', (ARRAY['healthy', 'degraded', 'unhealthy'])[1 + g %% 3])
    WHEN g %% 10 IN (4, 5) THEN jsonb_build_object('deployment_id', k.did, 'service', k.svc,
        'environment', k.env, 'version', '1.' || ((g / 10) %% 40),
        'image', 'reg/' || k.svc || ':1.' || ((g / 10) %% 40))
    WHEN g %% 10 = 6 THEN jsonb_build_object('service', k.svc, 'environment', k.env,
        'version', '1.' || ((g / 10) %% 40))
    WHEN g %% 10 = 7 THEN jsonb_build_object('repository', 'reg/' || k.svc,
        'digest', 'sha256:' || k.hex, 'tag', '1.' || ((g / 10) %% 40), 'service', k.svc)
    ELSE jsonb_build_object('node', 'n' || g %% 50, 'note', 'bench') END AS data) t
"""


def fill(url: str, events: int) -> None:
    with connect(url) as conn:
        for lo in range(1, events + 1, 100_000):
            conn.execute(LOG, {"lo": lo, "hi": min(events, lo + 99_999)})
        conn.execute("ANALYZE")


def replay(cfg, url: str, events: int) -> dict:
    """`pts replay` of every handler, as a user runs it."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pts.cli", "replay", "--database-url", url],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    took = time.perf_counter() - start
    applied = sum(int(line.split(": ", 1)[1].split()[0]) for line in out.stdout.splitlines()
                  if " events applied" in line)
    with connect(url) as conn:
        # Settle what the bulk load left behind before search is measured, as history.py
        # does: otherwise autovacuum's first pass over the million new rows (and the
        # checkpoint of their WAL) ran during the search runs, on the same two cores.
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    return {"figure": f"pts replay of {events:,} events ({applied:,} handler applications)",
            "baseline": "-", "pts": f"{events / took:,.0f} log events/s, "
            f"{applied / took:,.0f} applications/s ({took:.0f} s)", "ratio": None,
            "target": ">= 20,000 events/s", "ok": events / took >= 20_000}


PATHS = [
    "/environments?environment=prod",
    "/environments?environment=prod&at={half}",
    "/deployments?since={recent}",
    "/events?since={recent}&limit=200",
    "/events?since={recent}&type=dev.pts.service.*",
    "/deployments?status=failed&since={half}",
    "/deployments/d-4242",
    "/images?digest=sha256:{hex}",
    "/deployments?image_digest=sha256:{hex}",
    "/services/s42",
    "/events?service=s42&limit=100",
]


def search(cfg, url: str, events: int) -> dict:
    """The common searches in turn, 4 concurrent clients, interleaved with the no-op function
    under the same load (the worst of two runs each; the ratio is of the p90s)."""
    with connect(url) as conn:
        hexd = conn.execute("SELECT md5('417') || md5('418')").fetchone()[0]
    # The log has one event a second from 2026-01-01: "recent" is its last tenth.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    when = {"half": start + timedelta(seconds=events // 2),
            "recent": start + timedelta(seconds=events * 9 // 10)}
    paths = [p.format(hex=hexd, **{k: v.strftime("%Y-%m-%dT%H:%M:%SZ")
                                   for k, v in when.items()}) for p in PATHS]
    server = Server(cfg.port + 3, ["serve", "--target", "search", "--host", "127.0.0.1",
                                   "--workers", str(cfg.workers)],
                    {"DATABASE_URL": url}, cfg.logs / "search.log")
    from capacity.ingest import NOOP, serve

    noop = serve(cfg.port, "noop", NOOP, url, cfg.logs, cfg.workers)
    base, runs = [], []
    try:
        # Warm: every worker imports and connects on its first requests (seconds on a busy
        # machine); measure only once a short run has no such outlier.
        for _ in range(5):
            warm = wrk(server.base + "/", "get.lua", [TOKEN, *paths], seconds=3,
                       connections=4)
            if warm.requests >= 20 and warm.latency_ms.get(99, 0) < 1000:
                break
        wrk(noop.base + "/", "get.lua", [TOKEN, *paths], seconds=2, connections=4)
        # Baseline in the same run, interleaved: the no-op function served the same way,
        # the same GETs (how long any answer takes on this machine right now).
        if cfg.profiling:  # py-spy takes CPU from the same 2 cores: a run of its own
            cfg.profile_hook("search", server, delay=cfg.seconds / 2)
            wrk(server.base + "/", "get.lua", [TOKEN, *paths], seconds=cfg.seconds,
                connections=4)
            cfg.profiles[-1].join()
        for _ in range(2):
            base.append(wrk(noop.base + "/", "get.lua", [TOKEN, *paths], seconds=cfg.seconds,
                            connections=4))
            runs.append(wrk(server.base + "/", "get.lua", [TOKEN, *paths],
                            seconds=cfg.seconds, connections=4))
        # wrk's percentiles count a slow response once more for every interval it held its
        # connection (its coordinated-omission correction): a 500 ms stall weighs as about
        # 50 answers. A third run, outside the figure, logs each response's own latency.
        timed, own = wrk_timed(server.base + "/", [TOKEN, *paths], seconds=cfg.seconds,
                               connections=4, out=cfg.logs / "search-latency")
    finally:
        server.stop()
        noop.stop()

    def worst(results, q):
        return max(r.latency_ms.get(q, 0) for r in results)

    p50, p90, p99 = (worst(runs, q) for q in (50, 90, 99))
    return {"figure": f"search over {events:,} events, 11 common queries, 4 clients",
            "baseline": f"no-op GET p50 {worst(base, 50):.1f} ms, p90 {worst(base, 90):.1f} "
            f"ms, p99 {worst(base, 99):.1f} ms",
            "pts": f"p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, "
            f"{sum(r.rps for r in runs) / len(runs):,.0f} req/s, "
            f"non-2xx {sum(r.non2xx for r in runs)}; a third run: wrk p99 "
            f"{timed.latency_ms.get(99, 0):.1f} ms, each response's own p50 {own[50]:.1f}, "
            f"p90 {own[90]:.1f}, p99 {own[99]:.1f} ms",
            "ratio": p90 / worst(base, 90) if worst(base, 90) else None,
            "target": "p90 <= 25 ms, p99 <= 50 ms", "ok": p90 <= 25 and p99 <= 50}
