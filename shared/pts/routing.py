"""The one routing declaration: which handler function receives which event types.

A filter is an exact CloudEvents type, or a prefix when it ends with a dot
(`dev.pts.platform.`). The local broker's triggers, the Knative Triggers in deploy/knative/
and the `topic` annotations of stack.yml are all derived from ROUTES; tests/eventing/
test_routing.py fails when any of them drifts. Edit this table, then run
`pts manifests knative` and update stack.yml's topics.
"""

from __future__ import annotations

from dataclasses import dataclass

# handler function -> the types (or prefixes, ending with ".") it receives.
ROUTES: dict[str, tuple[str, ...]] = {
    "deployments": (
        "dev.pts.deployment.started",
        "dev.pts.deployment.succeeded",
        "dev.pts.deployment.failed",
        "dev.pts.deployment.rolled_back",
        "dev.pts.deployment.cancelled",
    ),
    "services": (
        "dev.pts.service.registered",
        "dev.pts.service.started",
        "dev.pts.service.stopped",
        "dev.pts.service.health_changed",
        "dev.pts.service.decommissioned",
        # A deployment names a service and an environment: it registers both.
        "dev.pts.deployment.started",
        "dev.pts.deployment.succeeded",
    ),
    "images": (
        "dev.pts.image.published",
        # Where a digest ran.
        "dev.pts.deployment.succeeded",
        "dev.pts.service.started",
    ),
    # dev.pts.platform.* events are stored and searchable, not projected: no handler.
}


@dataclass(frozen=True)
class Route:
    """One trigger: a handler and one exact type or prefix."""

    handler: str
    filter: str

    @property
    def is_prefix(self) -> bool:
        return self.filter.endswith(".")

    def matches(self, event_type: str) -> bool:
        if self.is_prefix:
            return event_type.startswith(self.filter)
        return event_type == self.filter

    @property
    def name(self) -> str:
        """A DNS-label name for the trigger: handler and filter, dots as dashes."""
        tail = self.filter.removeprefix("dev.pts.").rstrip(".").replace(".", "-")
        tail = tail.replace("_", "-")
        return f"{self.handler}-{tail}" + ("-prefix" if self.is_prefix else "")


def routes(table: dict[str, tuple[str, ...]] | None = None) -> list[Route]:
    """Every (handler, filter) pair, in declaration order."""
    table = ROUTES if table is None else table
    return [Route(h, f) for h, filters in table.items() for f in filters]


def handlers() -> list[str]:
    """The handler functions that receive events."""
    return list(ROUTES)


def subscribers(event_type: str, table: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The handlers that receive an event of this type (each once)."""
    out: list[str] = []
    for route in routes(table):
        if route.matches(event_type) and route.handler not in out:
            out.append(route.handler)
    return out


def topics(handler: str) -> str:
    """The stack.yml `topic` annotation of a handler: its filters, comma-separated."""
    return ",".join(ROUTES[handler])
