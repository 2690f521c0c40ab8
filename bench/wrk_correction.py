"""wrk's percentiles recomputed from the responses `bench/wrk/timed.lua` logged: as they were,
and with wrk 4.1's coordinated-omission correction (`stats_correct`), which for every
latency of at least twice the mean interval between requests on a connection adds samples at
that latency minus one interval, minus two, ... while above one interval.

    uv run python bench/wrk_correction.py LOGDIR SECONDS CONNECTIONS

LOGDIR holds the `latency.N` files of one timed run (`bench/run.py` keeps them in its logs
as `search-latency/`); SECONDS is that run's length. The corrected figures match what wrk
printed for the run (docs/benchmarks-history.md, *Search's p99, 2026-11-28 night*).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def percentile(samples: Counter, p: float) -> float:
    """wrk's stats_percentile: the first value whose cumulative count reaches the rank."""
    rank = round(p / 100 * sum(samples.values()) + 0.5)
    total = 0
    for value in sorted(samples):
        total += samples[value]
        if total >= rank:
            return value / 1000
    return 0.0


def corrected(samples: Counter, seconds: float, connections: int) -> tuple[Counter, int]:
    """The samples with wrk's synthetic ones added, and how many were added."""
    expected = int(seconds * 1e6 / (sum(samples.values()) / connections))
    out, added = Counter(samples), 0
    for value, count in samples.items():
        if value >= 2 * expected:
            m = value - expected
            while m > expected:
                out[m] += count
                added += count
                m -= expected
    return out, added


def main() -> int:
    logdir, seconds, connections = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    samples = Counter(int(float(line.split()[0]) * 1000)  # microseconds, as wrk keeps them
                      for f in logdir.glob("latency.*") for line in f.read_text().splitlines()
                      if line)
    fixed, added = corrected(samples, seconds, connections)
    for name, s in (("responses as they were", samples), ("with wrk's correction", fixed)):
        print(f"{name}: p50 {percentile(s, 50):.1f} ms, p90 {percentile(s, 90):.1f} ms, "
              f"p99 {percentile(s, 99):.1f} ms ({sum(s.values()):,} samples)")
    print(f"synthetic samples: {added:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
