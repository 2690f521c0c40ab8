"""Handlers and the dead-letter function accept deliveries from the broker only.

In `pts up` the local broker sends `X-PTS-Broker-Token` with a secret generated at each
start (`PTS_BROKER_TOKEN`). When the setting is unset the check is off: on Knative the
handlers are cluster-local Services that only the Broker can reach (see deploy/knative).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask only for the hints: `pts token` loads this package without it
    import flask

from pts.auth import audit
from pts.config import Settings, get_settings
from pts.http.problem import Problem

HEADER = "X-PTS-Broker-Token"


def sent_by_broker(request: flask.Request, settings: Settings) -> bool:
    """Whether the request carries the configured broker secret (constant-time compare)."""
    expected = settings.broker_token
    sent = request.headers.get(HEADER, "")
    return bool(expected) and hmac.compare_digest(
        sent.encode("utf-8", "surrogateescape"), expected.encode())


def require_broker(request: flask.Request, settings: Settings | None = None,
                   function: str = "handler") -> None:
    """Problem 401 unless the request carries the broker's secret (when one is configured)."""
    settings = settings or get_settings()
    if not settings.broker_token:
        return
    sent = request.headers.get(HEADER, "")
    if not sent_by_broker(request, settings):
        audit.failed("no broker secret" if not sent else "wrong broker secret", function,
                     request.remote_addr)
        raise Problem(401, f"deliveries are accepted from the broker only ({HEADER})",
                      headers={"WWW-Authenticate": f'{HEADER} realm="pts"'})
