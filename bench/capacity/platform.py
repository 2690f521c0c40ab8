"""The whole local platform (`pts up`: ingest, broker, handlers) under the mixed load:
throughput, projection lag (ingest acknowledged -> handler applied), backlog drain, memory."""

from __future__ import annotations

import threading
import time

from capacity.cpu import CpuSplit, Done
from capacity.procs import TOKEN, Server, connect, rss_mb, wrk

PENDING = "SELECT count(*) FROM broker_deliveries WHERE status = 'pending'"
# One row per (event, handler) applied: how long after ingest stored it.
LAG = """
SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY lag), count(*) FROM (
    SELECT extract(epoch FROM h.handled_at - e.received_at) AS lag
    FROM platform_events e JOIN (
        SELECT seq, handled_at FROM deployments_handled_events UNION ALL
        SELECT seq, handled_at FROM services_handled_events UNION ALL
        SELECT seq, handled_at FROM images_handled_events) h ON h.seq = e.seq
    WHERE e.seq > %s) x
"""


def _sample_memory(server: Server, stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(1.0):
        for pid in server.workers():
            peak[0] = max(peak[0], rss_mb(pid))


def run(cfg, url: str, *, size: int, variant: dict | None = None) -> list[dict]:
    """Mixed load for cfg.platform_seconds: single events (size 1) or batches of size;
    variant: settings to change (an A/B run: its rows are labelled with them)."""
    variant = variant or {}
    flags = [f"{k}={v}" for k, v in variant.items() if k[:2] == "--"]  # pts up's options
    server = Server(cfg.port + 2, ["up", "--database-url", url, *flags],
                    {k: v for k, v in variant.items() if k[:2] != "--"},
                    cfg.logs / ("up-variant.log" if variant else "up.log"))
    try:
        with connect(url) as conn:
            start_seq = conn.execute("SELECT coalesce(max(seq), 0) FROM platform_events"
                                     ).fetchone()[0]
        stop, peak = threading.Event(), [0.0]
        sampler = threading.Thread(target=_sample_memory, args=(server, stop, peak))
        sampler.start()
        mode = ["mixed", "1"] if size == 1 else ["batch", str(size)]
        cfg.profile_hook(f"platform-{size}", server, delay=cfg.platform_seconds / 2)
        split = CpuSplit(server, connect(url))
        split.start()
        r = wrk(server.base + "/function/ingest", "post.lua", [*mode, TOKEN],
                seconds=cfg.platform_seconds, connections=16 if size == 1 else 4)
        ended = time.monotonic()
        split.finish()
        split.conn.close()
        with connect(url) as conn:
            pending_at_end = conn.execute(PENDING).fetchone()[0]
            drained = None
            while time.monotonic() - ended < cfg.drain_limit:
                if conn.execute(PENDING).fetchone()[0] == 0:
                    drained = time.monotonic() - ended
                    break
                time.sleep(0.2)
            (p50, p99), applied = conn.execute(LAG, (start_seq,)).fetchone()
        stop.set()
        sampler.join()
    finally:
        server.stop()
    cfg.profiles.append(Done(f"cpu platform-{size}" + (f" {variant}" if variant else "")
                             + ": " + split.report(r.requests * size)))
    rate = r.rps * size if r.non2xx == 0 else r.rps * size * (1 - r.non2xx / r.requests)
    label = "single events" if size == 1 else f"batches of {size}"
    drain = f"{drained:.1f} s" if drained is not None else f"> {cfg.drain_limit:.0f} s"
    want = 300 if size == 1 else 5000
    lag_ok = (p99 or 0) <= 1.0 if size == 1 else drained is not None and drained <= 5
    rows = [{
        "figure": f"local platform, mixed load, {label} (events/s)",
        "baseline": "-",
        "pts": f"{rate:,.0f}; lag p50 {p50 or 0:.2f} s, p99 {p99 or 0:.2f} s; "
               f"{pending_at_end} pending at end, drained in {drain}",
        "ratio": None, "target": f">= {want}/s, lag p99 <= 1 s, drain <= 5 s"
        if size == 1 else f">= {want}/s, backlog bounded (<= 1 s of input pending)",
        # Batches: the backlog must not grow, so at the end at most a second of input is
        # pending (a backlog that grew all run long and then drained is not keeping up).
        "ok": rate >= want and lag_ok and drained is not None and drained <= 5
        and (size == 1 or pending_at_end <= rate),
    }]
    # Under batches too: an in-process batch holds up to PTS_BROKER_BATCH events in memory.
    rows.append({"figure": "memory of one worker under that load (MB)", "baseline": "-",
                 "pts": f"{peak[0]:.0f}", "ratio": None, "target": "<= 150 MB",
                 "ok": 0 < peak[0] <= 150})
    if variant:
        with_ = " ".join(f"{k}={v}" for k, v in variant.items())
        for row in rows:
            row["figure"] = row["figure"].replace(" (", f", with {with_} (", 1)
    return rows
