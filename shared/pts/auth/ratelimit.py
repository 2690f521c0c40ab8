"""Per-token rate limit: a token bucket per token, in the memory of each process.

In-process means the limit holds per worker process (and per replica on Knative): with W
workers a token may get up to W times the rate. It protects the database from one runaway
client; it is not a quota. Off unless `rate_limit_per_second` is set.
"""

from __future__ import annotations

import math
import threading
import time

from pts.http.problem import Problem

_lock = threading.Lock()
_buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens left, monotonic time)


def check(key: str, rate: float, burst: int, now: float | None = None) -> None:
    """Take one request from key's bucket, or Problem 429 with Retry-After (whole seconds)."""
    if rate <= 0:
        return
    capacity = float(burst or max(1, math.ceil(2 * rate)))
    now = time.monotonic() if now is None else now
    with _lock:
        tokens, then = _buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * rate)
        if tokens >= 1:
            _buckets[key] = (tokens - 1, now)
            return
        _buckets[key] = (tokens, now)
    wait = max(1, math.ceil((1 - tokens) / rate))
    raise Problem(429, f"too many requests for this token: at most {rate:g} per second",
                  headers={"Retry-After": str(wait)})


def reset() -> None:
    """Empty every bucket (tests)."""
    with _lock:
        _buckets.clear()
