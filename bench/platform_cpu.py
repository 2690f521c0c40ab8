"""CPU per event of a `pts up` under the platform figure's batches, by thread role.

    uv run python bench/platform_cpu.py [--seconds 20] [--port 18510] [--size 100]
        [--conns 4] [--env NAME=VALUE] [--checkout /work/main] [--spy record|gil]

Starts an embedded PostgreSQL (under .bench/platform-cpu/ in this checkout, deleted at the
end), a fresh migrated database and `pts up` (the code of --checkout when given: an A/B of
two versions, run one after the other), posts the mixed load in batches with wrk
(bench/wrk/post.lua) and prints the CPU of each role of the server's threads (as
bench/capacity/cpu.py names them: the request threads are ingest's) and of PostgreSQL, in
µs per event. --spy records every process of the server with py-spy (--gil: only the
thread holding the interpreter) into the same directory, kept.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capacity.cpu import _names, _postgres, _threads, role  # noqa: E402
from capacity.procs import ROOT, TOKEN, Server, connect, embedded_server, new_database, wrk  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--port", type=int, default=18510)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--checkout", default=None, help="another checkout's code to serve")
    ap.add_argument("--spy", choices=["record", "gil"], default=None)
    a = ap.parse_args()
    work = ROOT / ".bench" / "platform-cpu"
    work.mkdir(parents=True, exist_ok=True)
    pg = embedded_server(work / f"pg-{os.getpid()}")
    try:
        url = new_database(pg.get_uri(), "platform_cpu")
        env = dict(e.split("=", 1) for e in a.env)
        srv = Server(a.port, ["up", "--database-url", url], env, work / "up.log",
                     Path(a.checkout) if a.checkout else None)
        try:
            _measure(a, srv, url, work)
        finally:
            srv.stop()
    finally:
        pg.cleanup()


def _measure(a, srv: Server, url: str, work: Path) -> None:
    time.sleep(2)
    pids = srv.workers()
    with connect(url) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    postmaster = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
    spies: list[subprocess.Popen] = []

    def spy() -> None:
        time.sleep(4)
        for pid in pids:
            cmd = ["py-spy", "record", "--pid", str(pid), "--duration",
                   str(max(a.seconds - 8, 4)), "--rate", "200", "--format", "raw",
                   "--nonblocking", "--threads", "--output", str(work / f"spy-{pid}.txt")]
            spies.append(subprocess.Popen(cmd + (["--gil"] if a.spy == "gil" else []),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    if a.spy:
        threading.Thread(target=spy).start()
    before, pg_before = _threads(pids), _postgres(postmaster)
    mode = ["batch", str(a.size)] if a.size > 1 else ["mixed", "1"]
    r = wrk(srv.base + "/function/ingest", "post.lua", [*mode, TOKEN], seconds=a.seconds,
            connections=a.conns)
    after, pg_after = _threads(pids), _postgres(postmaster)
    names: dict[int, str] = {}
    for pid in pids:
        names.update(_names(pid))
    events = max(r.requests * a.size, 1)
    per: Counter[str] = Counter()
    for tid, ticks in after.items():
        per[role(names.get(tid, ""))] += ticks - before.get(tid, 0)
    print(f"{r.rps * a.size:,.0f} events/s, non-2xx {r.non2xx}, {events:,} events")
    for name, ticks in per.most_common():
        print(f"  {1e6 * ticks / TICK / events:7.1f} us/event  {name}")
    print(f"  {1e6 * (pg_after - pg_before) / TICK / events:7.1f} us/event  PostgreSQL")
    for p in spies:
        p.wait()


if __name__ == "__main__":
    main()
