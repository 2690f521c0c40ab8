"""Knative's delivery rules: what is retried, how long to wait, what a 2xx body means."""

from __future__ import annotations

from pts.config import Settings

# Knative retries these 4xx besides every 5xx and every transport error.
RETRIED_4XX = frozenset({404, 408, 409, 429})
# A 2xx whose body is not a CloudEvent counts as this failure (Knative answers 502 for it).
BAD_REPLY = 502


def retryable(status: int | None) -> bool:
    """Whether a failed attempt is tried again: no answer, 5xx, 404, 408, 409, 429."""
    return status is None or status >= 500 or status in RETRIED_4XX


def backoff(retry: int, settings: Settings) -> float:
    """Seconds before retry number `retry` (1, 2, ...): backoffDelay * 2^retry, capped."""
    return min(settings.broker_backoff_delay * (2 ** retry), settings.broker_backoff_max)


def attempts_allowed(settings: Settings) -> int:
    """The first attempt and every retry."""
    return 1 + settings.broker_retry
