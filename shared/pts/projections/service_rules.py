"""The service rules, as pure functions over events in (event time, seq) order.

- Registry: a `registered` event fills owner, repository, description and tier (the last
  value given wins); without one, the service is registered implicitly when first seen in
  any event. `decommissioned` sets decommissioned_at until a later `registered`.
- Per environment: `started` / `stopped` set running / stopped, `health_changed` sets the
  health; each actual change is kept as a transition (from, to, at, reason, event).
"""

from __future__ import annotations

from datetime import datetime

from pts.projections.facts import Fact, Row

REGISTRY_FIELDS = ("owner", "repository", "description", "tier")


def fold_registry(service: str, facts: list[Fact], first_seen: datetime,
                  last_seen: datetime) -> Row:
    """One services row from its registered/decommissioned events and when it was seen."""
    row: Row = {"service": service, **dict.fromkeys(REGISTRY_FIELDS),
                 "registered_at": None, "decommissioned_at": None}
    for fact in facts:
        if fact.kind == "registered":
            for name in REGISTRY_FIELDS:
                if fact.get(name) is not None:
                    row[name] = fact.get(name)
            row["registered_at"] = row["registered_at"] or fact.occurred_at
            row["decommissioned_at"] = None
        elif fact.kind == "decommissioned":
            row["decommissioned_at"] = fact.occurred_at
    row["registered_implicitly"] = row["registered_at"] is None
    row["registered_at"] = row["registered_at"] or first_seen
    row.update(first_seen_at=first_seen, last_seen_at=last_seen)
    return row


ENVIRONMENT_FIELDS = ("state", "state_since", "health", "health_since", "version", "image",
                      "instance", "version_since")


def fold_environment(service: str, environment: str, facts: list[Fact],
                     first_seen: datetime, last_seen: datetime,
                     start: Row | None = None) -> tuple[Row, list[Row]]:
    """One service_environments row and its transitions from started/stopped/health events;
    from the stored row `start` when facts all come after the events it was built from."""
    row: Row = {"service": service, "environment": environment,
                 **{k: (start or {}).get(k) for k in ENVIRONMENT_FIELDS},
                 "first_seen_at": first_seen, "last_seen_at": last_seen}
    if row["health_since"] is None:
        row["health"] = None  # stored as unknown, but never reported
    transitions: list[Row] = []

    def change(kind: str, to: str, fact: Fact) -> None:
        column = "state" if kind == "state" else "health"
        if row[column] == to:
            return
        transitions.append({"service": service, "environment": environment, "kind": kind,
                            "from_value": row[column], "to_value": to,
                            "at": fact.occurred_at, "reason": fact.get("reason"),
                            "event_seq": fact.seq, "event_source": fact.source,
                            "event_id": fact.id})
        row[column] = to
        row[f"{column}_since"] = fact.occurred_at

    for fact in facts:
        if fact.kind == "started":
            change("state", "running", fact)
            version = fact.get("version")
            if version is not None and version != row["version"]:
                row.update(version=version, version_since=fact.occurred_at)
            for name in ("image", "instance"):
                if fact.get(name) is not None:
                    row[name] = fact.get(name)
        elif fact.kind == "stopped":
            change("state", "stopped", fact)
        elif fact.kind == "health_changed":
            change("health", str(fact.get("status")), fact)
    row["health"] = row["health"] or "unknown"
    return row, transitions
