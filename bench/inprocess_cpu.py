"""CPU per event of the local broker's in-process batches (embedded PostgreSQL), in all
and per handler.

Run: uv run python bench/inprocess_cpu.py [--events 5000] [--rounds 3]
Against another checkout's code (its virtualenv imports its `pts`):
    /work/main/.venv/bin/python bench/inprocess_cpu.py

Each round logs a fresh slice of issue 11's mix (40% health over 200 services x 4
environments, 30% deployments started then finished, 10% images, 20% platform events),
queues a delivery per (event, handler) as `pts up`'s ingest does, and drains the queue as
the dispatcher does (`apply_due`: batches of up to --batch, 2000 as `pts up`, per handler,
each handler in turn) on one connection. CPU is the Python thread's (thread_time) plus the
connection's PostgreSQL backend's (/proc), per event logged and per delivery of each
handler. docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

ENVS = ["prod", "staging", "dev", "qa"]


class Mix:
    """The mix of bench/wrk/common.lua, as CloudEvents dicts."""

    def __init__(self, seed: int):
        self.rng, self.n, self.started = random.Random(seed), 0, []

    def _ev(self, type_: str, data: dict) -> dict:
        self.n += 1
        return {"specversion": "1.0", "id": f"m{os.getpid()}-{self.n}", "source": "/bench",
                "type": "dev.pts." + type_, "data": data}

    def _pair(self) -> tuple[str, str]:
        return f"s{self.rng.randrange(200)}", self.rng.choice(ENVS)

    def next(self) -> dict:
        r, rng = self.rng.random(), self.rng
        if r < .4:
            s, e = self._pair()
            return self._ev("service.health_changed", {"service": s, "environment": e,
                            "status": rng.choice(["healthy", "degraded", "unhealthy"])})
        if r < .7:
            if self.started and rng.random() < .5:
                d, s, e = self.started.pop(0)
                kind = rng.choice(["succeeded", "succeeded", "failed", "rolled_back"])
                return self._ev("deployment." + kind,
                                {"deployment_id": d, "service": s, "environment": e})
            s, e = self._pair()
            d = f"d{self.n}"
            self.started.append((d, s, e))
            return self._ev("deployment.started", {"deployment_id": d, "service": s,
                            "environment": e, "version": f"1.{rng.randrange(21)}"})
        if r < .8:
            return self._ev("image.published", {
                "repository": "reg/app", "digest": f"sha256:{rng.randrange(10**12):064x}",
                "tag": f"v{rng.randrange(1, 51)}"})
        return self._ev("platform.node_drained", {"node": "n1", "note": "bench"})


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _drain(way, handlers: list[str], backend: int) -> dict[str, list[float]]:
    """Apply batches of each handler in turn until none is due; per handler: Python
    seconds, PostgreSQL ticks, deliveries."""
    spent = {h: [0.0, 0.0, 0.0] for h in handlers}
    while True:
        total = 0
        for h in handlers:
            cpu, ticks = time.thread_time(), _ticks(backend)
            n = way(h) or 0
            spent[h][0] += time.thread_time() - cpu
            spent[h][1] += _ticks(backend) - ticks
            spent[h][2] += n
            total += n
        if not total:
            return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=2000, help="deliveries per batch")
    parser.add_argument("--handlers", default="deployments,services,images",
                        help="only these handlers' deliveries are drained (to profile one)")
    args = parser.parse_args()
    from pts.db.embedded import ensure_embedded

    tmp = Path(tempfile.mkdtemp(prefix="pts-bench-"))
    os.environ["DATABASE_URL"] = ensure_embedded(tmp)
    os.environ["PTS_EMIT_MODE"] = "local"
    os.environ["PTS_FUNCTIONS_URL"] = "http://127.0.0.1:9"
    from projections.helpers import handlers_for, log

    from pts.broker import inprocess, queue
    from pts.config import get_settings
    from pts.db.pool import get_pool

    settings = get_settings()
    pool = get_pool(settings)
    conn = pool.getconn()
    conn.autocommit = False

    class One:  # the pool's API over one connection, so its backend's CPU is all ours
        @contextlib.contextmanager
        def connection(self):
            yield conn

    one, handlers = One(), args.handlers.split(",")
    assert all(inprocess.handles(h, settings) for h in handlers)

    def new(h: str) -> int:
        return inprocess.apply_due(one, h, args.batch, settings)

    import pts

    print(f"pts from {Path(pts.__file__).parents[2]}", flush=True)
    ways = {"apply_due": new}
    mix, hz = Mix(1), os.sysconf("SC_CLK_TCK")
    results: dict[str, list[float]] = {w: [] for w in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            events = [mix.next() for _ in range(args.events)]
            for i in range(0, len(events), 500):
                log(events[i:i + 500])
            with conn.transaction():
                rows = conn.execute("SELECT source, id, type, seq FROM platform_events "
                                    "WHERE id = ANY(%s)", ([e["id"] for e in events],))
                queue.enqueue(conn, [({"source": s, "id": i, "type": t, "ptsseq": q},
                                      handlers_for(t)) for s, i, t, q in rows], notify=False)
            cpu, pg, wall = time.thread_time(), _ticks(conn.info.backend_pid), time.perf_counter()
            spent = _drain(way, handlers, conn.info.backend_pid)
            cpu = time.thread_time() - cpu
            pg = (_ticks(conn.info.backend_pid) - pg) / hz
            wall = time.perf_counter() - wall
            left = conn.execute("SELECT count(*) FROM broker_deliveries WHERE status = "
                                "'pending' AND subscriber = ANY(%s)", (handlers,)).fetchone()[0]
            conn.rollback()
            assert left == 0, left
            per = 1e3 / len(events)
            results[name].append(cpu * per + pg * per)
            print(f"{name:24} {len(events)} events: Python {cpu * per:.3f} + PostgreSQL "
                  f"{pg * per:.3f} = {(cpu + pg) * per:.3f} CPU-ms per event "
                  f"(wall {wall * per:.3f} ms)", flush=True)
            for h, (c, t, n) in spent.items():
                print(f"    {h:12} {n:.0f} deliveries: Python {c * 1e6 / n:.0f} + PostgreSQL "
                      f"{t / hz * 1e6 / n:.0f} us per delivery", flush=True)
    pool.putconn(conn)
    for name, got in results.items():
        print(f"{name:24} median {sorted(got)[len(got) // 2]:.3f} CPU-ms per event")
    from pts.db.embedded import stop
    from pts.db.pool import close_all

    close_all()
    stop(tmp)  # the database is the run's own: nothing of it is kept
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
