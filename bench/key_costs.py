"""What two keys cost per row, each against the shape without it, interleaved in one run:

- handled: a handler's handled-events rows (the services handler's shape, 1,000 rows a
  statement written from the log as pts.projections.engine.apply writes them) with the key
  before migration 0023 ((source, id), plus an index on seq) against the key on seq alone;
- broker: the local broker's enqueue (pts.broker.queue.ENQUEUE_LOGGED, 200 events, two
  subscribers for two types in three) with the deliveries' foreign key to broker_events
  (dropped by migration 0024) against without it.

    uv run python bench/key_costs.py [--rounds 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from capacity.procs import connect, embedded_server, new_database
from capacity.searchload import fill

from pts.broker.queue import ENQUEUE_LOGGED

HANDLED = ("INSERT INTO {t} (source, id, seq, occurred_at, type, service, environment) "
           "SELECT e.source, e.id, e.seq, e.occurred_at, e.type, e.data->>'service', "
           "e.data->>'environment' FROM platform_events e WHERE e.seq = ANY(%s::bigint[]) "
           "ORDER BY e.seq ON CONFLICT ({k}) DO NOTHING RETURNING seq")
SHAPE = ("CREATE TABLE {t} (LIKE services_handled_events INCLUDING DEFAULTS);"
         "CREATE INDEX ON {t} (service, environment, occurred_at, seq);"
         "CREATE INDEX ON {t} (service, environment, type, occurred_at, seq)")


def handled(conn, rounds: int) -> dict[str, list[float]]:
    conn.execute(SHAPE.format(t="by_source_id") + "; ALTER TABLE by_source_id ADD PRIMARY "
                 "KEY (source, id); CREATE INDEX ON by_source_id (seq)")
    conn.execute(SHAPE.format(t="by_seq") + "; ALTER TABLE by_seq ADD PRIMARY KEY (seq)")
    out: dict[str, list[float]] = {"(source, id) + seq index": [], "seq": []}
    shapes = [("by_source_id", "source, id", "(source, id) + seq index"),
              ("by_seq", "seq", "seq")]
    for r in range(rounds):
        conn.execute("TRUNCATE by_source_id, by_seq")
        for lo in range(1, 100_000, 1000):
            arr = "{" + ",".join(str(s) for s in range(lo, lo + 1000)) + "}"
            for table, key, name in shapes if (r + lo // 1000) % 2 else shapes[::-1]:
                start = time.perf_counter()
                conn.execute(HANDLED.format(t=table, k=key), (arr,)).fetchall()
                out[name].append(time.perf_counter() - start)
    return out


def broker(conn, rounds: int) -> dict[str, list[float]]:
    subs = json.dumps({"t.a": ["services", "images"], "t.b": ["services"]})
    out: dict[str, list[float]] = {"with the key": [], "without": []}
    n = 0
    for r in range(rounds):
        for name in ("with the key", "without") if r % 2 else ("without", "with the key"):
            conn.execute("ALTER TABLE broker_deliveries DROP CONSTRAINT IF EXISTS bench_fk")
            if name == "with the key":
                conn.execute("ALTER TABLE broker_deliveries ADD CONSTRAINT bench_fk FOREIGN "
                             "KEY (event_id) REFERENCES broker_events (id) NOT VALID")
            for _ in range(5):
                seqs = list(range(n, n + 200))
                n += 200
                start = time.perf_counter()
                with conn.transaction():
                    conn.execute(ENQUEUE_LOGGED, {
                        "subs": subs, "seq": seqs, "source": ["/bench"] * 200,
                        "id": [str(s) for s in seqs],
                        "type": ["t.a" if s % 3 else "t.b" for s in seqs]})
                out[name].append(time.perf_counter() - start)
    conn.execute("ALTER TABLE broker_deliveries DROP CONSTRAINT IF EXISTS bench_fk")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=60)
    args = ap.parse_args()
    server = embedded_server()
    try:
        url = new_database(server.get_uri(), "bench_keys")
        fill(url, 100_000)
        with connect(url) as conn:
            rounds = max(1, args.rounds // 30)  # 100 statements each
            for title, runs, unit in (
                    ("handled-events rows, 1,000 a statement", handled(conn, rounds), 1000),
                    ("broker enqueue, 200 events a statement", broker(conn, args.rounds), 200)):
                medians = {k: statistics.median(v) for k, v in runs.items()}
                first, second = medians.values()
                print(f"{title}: " + ", ".join(
                    f"{k} {m * 1e6 / unit:.1f} µs a row" for k, m in medians.items())
                    + f" ({second / first:.2f}x)")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
