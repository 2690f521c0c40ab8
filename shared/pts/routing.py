"""Which handler function receives which event types, derived from the function table
(pts.domain.functions, each function's `types`).

A filter is an exact CloudEvents type, or a prefix when it ends with a dot
(`dev.pts.platform.`). The local broker's triggers, the Knative Triggers in deploy/knative/
and the `topic` annotations of stack.yml all come from ROUTES.
"""

from __future__ import annotations

from dataclasses import dataclass

from pts.domain.functions import FUNCTIONS

# handler function -> the types (or prefixes, ending with ".") it receives.
ROUTES: dict[str, tuple[str, ...]] = {fn.name: fn.types for fn in FUNCTIONS if fn.types}


@dataclass(frozen=True)
class Trigger:
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


def triggers(table: dict[str, tuple[str, ...]] | None = None) -> list[Trigger]:
    """Every (handler, filter) pair, in declaration order."""
    table = ROUTES if table is None else table
    return [Trigger(h, f) for h, filters in table.items() for f in filters]


def handlers() -> list[str]:
    """The handler functions that receive events."""
    return list(ROUTES)


def subscribers(event_type: str, table: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The handlers that receive an event of this type (each once)."""
    out: list[str] = []
    for trigger in triggers(table):
        if trigger.matches(event_type) and trigger.handler not in out:
            out.append(trigger.handler)
    return out

