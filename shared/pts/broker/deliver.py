"""One delivery attempt: post the event, judge the answer by Knative's rules, record it."""

from __future__ import annotations

import base64
import logging

from pts.broker import policy, queue, triggers
from pts.cloudevents.decode import decode_checked
from pts.cloudevents.encode import to_binary
from pts.cloudevents.modes import is_cloudevent
from pts.config import Settings
from pts.eventing.http import Response, Sender, TransportError
from pts.logs import escape

log = logging.getLogger(__name__)

TOKEN_HEADER = "X-PTS-Broker-Token"
ERROR_DATA_MAX = 1024  # characters of base64, as Knative's knativeerrordata


def error_data(body: bytes) -> str:
    """The response body as knativeerrordata: base64, at most 1,024 characters."""
    return base64.b64encode(body[: ERROR_DATA_MAX // 4 * 3]).decode("ascii")


def outgoing(d: queue.Delivery) -> dict:
    """The event as sent: for the dead-letter sink, with the knativeerror* extensions."""
    if d.kind != "deadletter":
        return d.event
    event = dict(d.event)
    event["knativeerrordest"] = d.error_dest or ""
    if d.error_code is not None:
        event["knativeerrorcode"] = str(d.error_code)
    if d.error_data:
        event["knativeerrordata"] = d.error_data
    event["ptstrigger"] = d.subscriber  # ours: lets a redrive go to that trigger alone
    return event


def target(d: queue.Delivery, settings: Settings) -> str | None:
    if d.kind == "deadletter":
        return triggers.dead_letter_url(settings)
    return triggers.subscriber_url(d.subscriber, settings)


def attempt(d: queue.Delivery, sender: Sender, settings: Settings) -> tuple[str | None,
                                                                            Response | None, str]:
    """Post once. Returns (url, response or None, error text; empty when delivered)."""
    url = target(d, settings)
    if url is None:
        return None, None, f"no subscriber URL for {d.subscriber!r}"
    headers, body = to_binary(outgoing(d))
    if settings.broker_token:
        headers[TOKEN_HEADER] = settings.broker_token
    try:
        resp = sender.post(url, headers, body)
    except TransportError as exc:
        return url, None, str(exc)
    if not resp.ok:
        return url, resp, f"HTTP {resp.status}"
    if resp.body and not is_cloudevent(resp.headers):
        return url, resp, "2xx with a body that is not a CloudEvent"
    return url, resp, ""


def deliver(pool, d: queue.Delivery, sender: Sender, settings: Settings) -> str:
    """Attempt a claimed delivery and record the outcome; returns the new status."""
    url, resp, error = attempt(d, sender, settings)
    return settle(pool, d, url, resp, error, settings)


def settle(pool, d: queue.Delivery, url: str | None, resp: Response | None, error: str,
           settings: Settings) -> str:
    """Record the outcome of one attempt by Knative's rules (delivered, retried later, dead
    lettered or failed), in a transaction of its own; returns the new status."""
    with pool.connection() as conn, conn.transaction():
        return record(conn, d, url, resp, error, settings)


def record(conn, d: queue.Delivery, url: str | None, resp: Response | None, error: str,
           settings: Settings) -> str:
    """settle() in the caller's transaction (an in-process batch settles what it refused
    while it still holds the deliveries' row locks)."""
    status = None if resp is None else resp.status
    if resp is not None and not error:  # delivered: attempt() had an answer
        reply = _reply(resp, settings)
        # DEBUG: the handler's own request line already says it (one line per request).
        log.debug("delivered %s %s to %s: HTTP %s (attempt %d)", escape(d.event.get("type")),
                  escape(d.event.get("id")), escape(url), status, d.attempts)
        queue.delivered(conn, d, resp.status)
        if reply is not None:  # Knative publishes a subscriber's reply to the broker
            queue.enqueue(conn, [(reply, triggers.matching(reply.get("type", ""),
                                                          settings))])
        return "delivered"
    if resp is not None and resp.ok:
        status = policy.BAD_REPLY
    log.info("delivery %s of %s to %s failed (attempt %d): %s", d.id, escape(d.event.get("id")),
             escape(url or d.subscriber), d.attempts, escape(error))
    if url is not None and policy.retryable(status) \
            and d.attempts < policy.attempts_allowed(settings):
        queue.retry_later(conn, d, status, error, policy.backoff(d.attempts, settings))
        return "pending"
    dead = None
    if d.kind == "trigger" and triggers.dead_letter_url(settings):
        data = error_data(resp.body) if resp is not None and resp.body else \
            (None if resp is not None else error_data(error.encode()))
        dead = {"dest": url or d.subscriber, "code": status, "data": data}
    if dead is None:
        log.error("delivery %s of event %s to %s failed for good: %s", d.id,
                  escape(d.event.get("id")), escape(url or d.subscriber), escape(error))
    queue.give_up(conn, d, status, error, dead)
    return "dead_lettered" if dead else "failed"


def _reply(resp: Response | None, settings: Settings) -> dict | None:
    """A CloudEvent reply in the answer, as an event dict; None when the body is empty."""
    if resp is None or not resp.body:
        return None
    try:
        events = decode_checked(resp.headers, resp.body, settings)
    except Exception:  # noqa: BLE001 - a malformed reply is dropped, not a failed delivery
        events = []
    if len(events) != 1:
        log.warning("dropping a reply that is not one valid CloudEvent")
        return None
    return events[0]
