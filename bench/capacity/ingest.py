"""Ingest alone (no relay, no handlers: as on Knative, where ingest has its own pods):
single events against the no-op function, batches against COPY."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

from capacity.procs import ROOT, TOKEN, Server, connect, wrk

NOOP = Path(__file__).resolve().parents[1] / "noop" / "main.py"


def serve(port: int, target: str, source: Path, url: str, log_dir: Path, workers: int,
          variant: dict | None = None, name: str | None = None,
          checkout: Path | None = None) -> Server:
    """`pts serve`; variant: settings (NAME=VALUE) and options (--threads=16) to change;
    checkout: another checkout's code to serve (procs.Server)."""
    variant = variant or {}
    args = {"--workers": str(workers), **{k: v for k, v in variant.items() if k[:2] == "--"}}
    env = {k: v for k, v in variant.items() if k[:2] != "--"}
    return Server(port, ["serve", "--target", target, "--source", str(source), "--host",
                         "127.0.0.1", *[x for kv in args.items() for x in kv]],
                  {"DATABASE_URL": url, **env}, log_dir / f"{name or target}.log", checkout)


def _row(figure: str, base: float, runs: list) -> dict:
    p = sum(r.rps for r in runs) / len(runs)
    return {"figure": figure, "baseline": f"no-op {base:,.0f}",
            "pts": f"{p:,.0f} (p50 {runs[-1].latency_ms.get(50, 0):.0f} ms, "
                   f"p99 {runs[-1].latency_ms.get(99, 0):.0f} ms, non-2xx "
                   f"{sum(r.non2xx for r in runs)})",
            "ratio": p / base, "target": ">= 0.8x", "ok": p / base >= 0.8}


def single(cfg, url: str) -> list[dict]:
    """Single events, interleaved runs: the no-op, then ingest (then ingest with cfg.variant's
    settings, when given: an A/B of a setting in the same run), `rounds` times."""
    noop = serve(cfg.port, "noop", NOOP, url, cfg.logs, cfg.workers)
    source = ROOT / "functions/ingest/main.py"
    servers = [serve(cfg.port + 1, "ingest", source, url, cfg.logs, cfg.workers)]
    if cfg.variant:
        servers.append(serve(cfg.port + 3, "ingest", source, url, cfg.logs, cfg.workers,
                             cfg.variant, "ingest-variant"))
    try:
        base, pts = [], [[] for _ in servers]
        for i in range(cfg.rounds):
            base.append(wrk(noop.base + "/", "post.lua", ["single", "1", TOKEN],
                            seconds=cfg.seconds, connections=16))
            if i == 0:
                cfg.profile_hook("ingest-single", servers[0])
            for server, runs in zip(servers, pts, strict=True):
                runs.append(wrk(server.base + "/", "post.lua", ["single", "1", TOKEN],
                                seconds=cfg.seconds, connections=16))
    finally:
        noop.stop()
        for server in servers:
            server.stop()
    b = sum(r.rps for r in base) / len(base)
    rows = [_row("ingest alone, single events (req/s)", b, pts[0])]
    if cfg.variant:
        with_ = " ".join(f"{k}={v}" for k, v in cfg.variant.items())
        rows.append(_row(f"ingest alone, single events, with {with_} (req/s)", b, pts[1]))
    return rows


def _copy_rate(url: str, rows: int, batch: int, threads: int = 2) -> float:
    """Rows/s of COPY into a copy of platform_events with the same indexes (and no log
    triggers), in transactions of `batch` rows over `threads` connections."""
    with connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (LIKE platform_events INCLUDING ALL)")
    data = json.dumps({"service": "s1", "environment": "prod", "status": "healthy"})

    def work(n: int) -> None:
        with connect(url) as conn:
            for _ in range(n // batch):
                with conn.transaction(), conn.cursor().copy(
                        "COPY bench_copy (id, source, type, specversion, datacontenttype, "
                        "data, occurred_at, service, environment, content_hash) FROM STDIN"
                ) as cp:
                    for _ in range(batch):
                        cp.write_row((uuid.uuid4().hex, "/bench", "dev.pts.service."
                                      "health_changed", "1.0", "application/json", data,
                                      "2026-11-28T00:00:00Z", "s1", "prod", "x" * 64))

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(rows // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    took = time.perf_counter() - start
    with connect(url) as conn:
        conn.execute("DROP TABLE bench_copy")
    return rows / took


def batches(cfg, url: str, size: int) -> list[dict]:
    """Batches of `size` events posted by wrk (4 connections) against COPY, interleaved (and
    against ingest with cfg.variant's settings, when given: an A/B in the same run)."""
    source = ROOT / "functions/ingest/main.py"
    servers = [serve(cfg.port + 1, "ingest", source, url, cfg.logs, cfg.workers)]
    if cfg.variant:
        servers.append(serve(cfg.port + 3, "ingest", source, url, cfg.logs, cfg.workers,
                             cfg.variant, "ingest-variant"))
    try:
        base: list[float] = []
        rates: list[list[float]] = [[] for _ in servers]
        for i in range(cfg.rounds):
            base.append(_copy_rate(url, 20_000 if cfg.quick else 60_000, size))
            for server, runs in zip(servers, rates, strict=True):
                if i == 0 and server is servers[0]:
                    cfg.profile_hook(f"ingest-batches-{size}", server)
                r = wrk(server.base + "/", "post.lua", ["batch", str(size), TOKEN],
                        seconds=cfg.seconds, connections=4)
                runs.append(r.rps * size if r.non2xx == 0 else 0.0)
    finally:
        for server in servers:
            server.stop()
    b = sum(base) / len(base)
    rows = []
    for server, runs in zip(servers, rates, strict=True):
        p = sum(runs) / len(runs)
        with_ = "" if server is servers[0] else " with " + " ".join(
            f"{k}={v}" for k, v in cfg.variant.items())
        rows.append({"figure": f"ingest alone, batches of {size} (events/s){with_}",
                     "baseline": f"COPY {b:,.0f} rows/s", "pts": f"{p:,.0f}", "ratio": p / b,
                     "target": ">= 0.5x", "ok": p / b >= 0.5})
    return rows
