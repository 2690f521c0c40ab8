"""The local broker's triggers and where their subscribers live, from the routing declaration."""

from __future__ import annotations

from pts import routing
from pts.config import Settings
from pts.domain.functions import FUNCTIONS


def table(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The routing table in force: the declaration, or `broker_routes` when set."""
    if settings.broker_routes is not None:
        return {h: tuple(f) for h, f in settings.broker_routes.items()}
    return routing.ROUTES


def is_active(handler: str, settings: Settings) -> bool:
    """A trigger is active when its handler has a URL override or is an installed function
    (a handler that does not exist yet receives nothing, rather than 404s)."""
    return handler in settings.broker_subscribers or any(f.name == handler for f in FUNCTIONS)


def subscriber_url(handler: str, settings: Settings) -> str | None:
    """The URL of an active handler: its override, else {functions_url}/function/<name>."""
    if handler in settings.broker_subscribers:
        return settings.broker_subscribers[handler]
    if settings.functions_url and is_active(handler, settings):
        return f"{settings.functions_url.rstrip('/')}/function/{handler}"
    return None


def dead_letter_url(settings: Settings) -> str | None:
    """Where exhausted deliveries go: `dead_letter_sink`, else the deadletter function."""
    if settings.dead_letter_sink:
        return settings.dead_letter_sink
    if settings.functions_url:
        return f"{settings.functions_url.rstrip('/')}/function/deadletter"
    return None


def inactive(settings: Settings) -> list[str]:
    """Handlers of the routing table that have no URL here (not installed)."""
    return [h for h in table(settings) if not is_active(h, settings)]


def matching(event_type: str, settings: Settings) -> list[str]:
    """The active triggers' handlers that receive an event of this type."""
    return [h for h in routing.subscribers(event_type, table(settings))
            if is_active(h, settings)]
