"""Incidents from their events: opened at the earliest `opened` event, resolved at the
earliest `resolved` event at or after that (docs/dora.md)."""

from __future__ import annotations

from typing import Any

OPENED = "dev.pts.incident.opened"
RESOLVED = "dev.pts.incident.resolved"


def fold_incidents(events: list[dict[str, Any]], environment: str,
                   service: str | None) -> list[dict[str, Any]]:
    """One {incident_id, service, opened_at, resolved_at} per incident that was opened in
    this environment (and service), from its events in event-time order; resolved_at is
    None while it is not resolved."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_id.setdefault(e["incident_id"], []).append(e)
    out = []
    for incident_id, evs in sorted(by_id.items()):
        opened = [e for e in evs if e["type"] == OPENED]
        if not opened:
            continue  # resolved without ever being opened: no start to measure from
        first = opened[0]
        if first["environment"] != environment or (service is not None
                                                   and first["service"] != service):
            continue
        resolved = [e["occurred_at"] for e in evs
                    if e["type"] == RESOLVED and e["occurred_at"] >= first["occurred_at"]]
        out.append({"incident_id": incident_id, "service": first["service"],
                    "opened_at": first["occurred_at"],
                    "resolved_at": resolved[0] if resolved else None})
    return out
