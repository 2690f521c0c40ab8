"""CPU per event of batched ingest, against COPY of the same rows (issue 11's batch figure,
as CPU time rather than throughput: on a shared 2-core machine the throughput of both
sides swings with other jobs' load, their CPU time per event much less).

    uv run python bench/ingest_batch_cpu.py [--size 100] [--batches 40] [--rounds 3]
        [--env PTS_EMIT_MODE=local]   # ingest as `pts up` runs it: queueing in the broker

Measured: `pts serve --target ingest` (2 workers) taking batches posted one at a time
(the workers' CPU, and PostgreSQL's: every process of the embedded server). Baseline in the
same run, interleaved: COPY of the same events' rows into a copy of platform_events with
the same indexes (this client's CPU, and PostgreSQL's), one transaction per batch.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capacity.procs import ROOT, TOKEN, Server, connect, embedded_server, new_database  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
ENVS = ["prod", "staging", "dev", "qa"]


def cpu(pids: list[int]) -> dict[int, float]:
    """User + system seconds of each of these processes (all their threads)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings (a process started since counts whole)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def postgres_pids(data_dir: Path) -> list[int]:
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                              text=True).stdout.split()
    return [postmaster, *map(int, children)]


def event(rng: random.Random) -> dict:
    """One event of issue 11's mixed load (as bench/wrk/common.lua makes them)."""
    r, s, e = rng.random(), f"s{rng.randrange(200)}", rng.choice(ENVS)
    if r < 0.4:
        t, d = "service.health_changed", {"service": s, "environment": e,
                                          "status": rng.choice(["healthy", "degraded"])}
    elif r < 0.7:
        t, d = "deployment.started", {"deployment_id": f"d-{uuid.uuid4().hex}", "service": s,
                                      "environment": e, "version": f"1.{rng.randrange(20)}"}
    elif r < 0.8:
        t, d = "image.published", {"repository": "reg/app", "tag": f"v{rng.randrange(50)}",
                                   "digest": f"sha256:{rng.randrange(16 ** 64):064x}"}
    else:
        t, d = "platform.node_drained", {"node": f"n{rng.randrange(50)}", "note": "bench"}
    return {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/bench",
            "type": f"dev.pts.{t}", "datacontenttype": "application/json", "data": d}


def post_all(port: int, bodies: list[bytes]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for body in bodies:
        conn.request("POST", "/", body, {"Content-Type": "application/cloudevents-batch+json",
                                         "Authorization": f"Bearer {TOKEN}"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 202:
            raise RuntimeError(f"ingest answered {resp.status}")
    conn.close()


def copy_all(conn, batches: list[list[dict]]) -> None:
    for batch in batches:
        with conn.transaction(), conn.cursor().copy(
                "COPY bench_copy (id, source, type, specversion, datacontenttype, data, "
                "occurred_at, service, environment, content_hash) FROM STDIN") as cp:
            for e in batch:
                cp.write_row((e["id"], e["source"], e["type"], "1.0", e["datacontenttype"],
                              json.dumps(e["data"]), "2026-11-28T00:00:00Z",
                              e["data"].get("service"), e["data"].get("environment"),
                              "x" * 64))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--port", type=int, default=18300)
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting of the ingest server (PTS_EMIT_MODE=local: as in pts up)")
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="pts-bench-cpu-")) / "pg"
    server = embedded_server(data_dir)
    url = new_database(server.get_uri(), "bench_ingest_cpu")
    with connect(url) as conn:
        conn.execute("CREATE TABLE bench_copy (LIKE platform_events INCLUDING ALL)")
    ingest = Server(args.port, ["serve", "--target", "ingest", "--source",
                                str(ROOT / "functions/ingest/main.py"), "--host", "127.0.0.1",
                                "--workers", "2"],
                    {"DATABASE_URL": url, **dict(e.split("=", 1) for e in args.env)},
                    data_dir.parent / "ingest.log")
    copier = connect(url)  # open throughout: its server process's CPU is read at the end
    rng = random.Random(1)
    spent: dict[str, list[float]] = {"copy": [], "ingest": []}
    parts: dict[str, list[float]] = {"COPY client": [], "COPY PostgreSQL": [],
                                     "ingest workers": [], "ingest PostgreSQL": []}
    try:
        post_all(args.port, [json.dumps([event(rng) for _ in range(args.size)]).encode()
                             for _ in range(5)])  # warm up: imports, pool, token cache
        for _ in range(args.rounds):
            batches = [[event(rng) for _ in range(args.size)] for _ in range(args.batches)]
            bodies = [json.dumps(b).encode() for b in batches]
            rows = [[{**e, "id": uuid.uuid4().hex} for e in b] for b in batches]
            pg_before, client = cpu(postgres_pids(data_dir)), time.process_time()
            copy_all(copier, rows)
            parts["COPY PostgreSQL"].append(since(pg_before, cpu(postgres_pids(data_dir))))
            parts["COPY client"].append(time.process_time() - client)
            spent["copy"].append(parts["COPY PostgreSQL"][-1] + parts["COPY client"][-1])
            pg_before, workers = cpu(postgres_pids(data_dir)), cpu(ingest.workers())
            post_all(args.port, bodies)
            parts["ingest PostgreSQL"].append(since(pg_before, cpu(postgres_pids(data_dir))))
            parts["ingest workers"].append(since(workers, cpu(ingest.workers())))
            spent["ingest"].append(parts["ingest PostgreSQL"][-1] + parts["ingest workers"][-1])
    finally:
        ingest.stop()
        copier.close()
        server.cleanup()
        shutil.rmtree(data_dir.parent, ignore_errors=True)
    events = args.size * args.batches
    for name, runs in {**parts, **spent}.items():
        per = [s / events * 1e6 for s in runs]
        print(f"{name:17} CPU per event: " + ", ".join(f"{p:.0f}" for p in per) + " us")
    c, i = min(spent["copy"]), min(spent["ingest"])
    print(f"batches of {args.size}: ingest / COPY CPU per event = {i / c:.2f}x "
          f"(a CPU-bound throughput ratio of about {c / i:.2f}x)")


if __name__ == "__main__":
    main()
