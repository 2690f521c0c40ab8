"""Audit of token use: when each token was last used and by which function, and a count of
failed authentications. Nothing here ever sees or logs a token, only its outcome.

The last-used columns are written at most once per token and process per
`audit_interval_seconds`, inside the lookup statement, so the hot path gains no round trip.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from pts.logs import escape

log = logging.getLogger(__name__)

_lock = threading.Lock()
_last_touch: dict[str, float] = {}
_failures: Counter[str] = Counter()


def due(token_hash: str, interval: float, now: float | None = None) -> bool:
    """True when this process has not recorded the token's use for `interval` seconds."""
    now = time.monotonic() if now is None else now
    with _lock:
        last = _last_touch.get(token_hash)
    return last is None or now - last >= interval


def touched(token_hash: str, now: float | None = None) -> None:
    """Note that the use of a known token was just recorded (unknown tokens never get here,
    so random guesses cannot grow this table)."""
    with _lock:
        _last_touch[token_hash] = time.monotonic() if now is None else now


def failed(reason: str, function: str, remote: str | None) -> None:
    """Count and log one failed authentication (never with the token)."""
    with _lock:
        _failures[reason] += 1
        total = sum(_failures.values())
    log.warning("authentication failed: %s (function=%s, remote=%s, failures so far=%d)",
                escape(reason), escape(function), escape(remote or "-"), total)


def failure_counts() -> dict[str, int]:
    """Failed authentications of this process so far, by reason."""
    with _lock:
        return dict(_failures)


def reset() -> None:
    """Forget everything (tests)."""
    with _lock:
        _last_touch.clear()
        _failures.clear()
