"""The deployments projection: tables deployments and current_deployments."""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

import psycopg
from psycopg.rows import dict_row

from pts.projections import deployment_rules as rules
from pts.projections import store
from pts.projections.engine import Projection
from pts.projections.facts import Fact, handled_facts

TYPES = tuple(f"dev.pts.deployment.{k}" for k in
              ("started", "succeeded", "failed", "rolled_back", "cancelled"))
GROUP = ("service", "environment")


def group_of(row: dict) -> tuple[str, str]:
    return (row["service"], row["environment"])


def facts_by_deployment(facts: list[Fact]) -> dict[str, list[Fact]]:
    """Sorted facts split per deployment id, each list still in (event time, seq) order."""
    ordered = sorted(facts, key=lambda f: (f.get("deployment_id"), f.order))
    return {k: list(g) for k, g in groupby(ordered, key=lambda f: f.get("deployment_id"))}


class Deployments(Projection):
    name = "deployments"
    types = TYPES
    handled_table = "deployments_handled_events"
    handled_columns = ("deployment_id", "service", "environment")
    tables = ("deployments", "current_deployments", "deployments_handled_events")

    def handled_row(self, fact: Fact) -> tuple:
        return (fact.get("deployment_id"), fact.get("service"), fact.get("environment"))

    def lock_keys(self, fact: Fact):
        yield f"deployment:{fact.get('deployment_id')}"
        yield f"deployments:{fact.get('service')}\x1f{fact.get('environment')}"

    def recompute(self, conn: psycopg.Connection, facts: list[Fact], *,
                  again: bool = False) -> None:
        ids = sorted({f.get("deployment_id") for f in facts})
        every = handled_facts(conn, self.handled_table, "h.deployment_id = ANY(%s)", (ids,))
        fresh = {i: rules.fold_deployment(i, fs) for i, fs in facts_by_deployment(every).items()}
        groups = {group_of(r) for r in fresh.values()}
        stored = {r["deployment_id"]: r for r in _select(conn, ids, sorted(groups))}
        moved = {group_of(stored[i]) for i in ids if i in stored} - groups
        if moved:  # a deployment's service or environment changed: its old group too
            groups |= moved
            stored.update({r["deployment_id"]: r for r in _select(conn, [], sorted(moved))})
        groups = sorted(groups)
        latest = {**stored, **fresh}
        changed: list[dict] = []
        currents: list[dict] = []
        in_group = defaultdict(list)  # one pass over the rows, not one per group
        for r in latest.values():
            in_group[group_of(r)].append(r)
        for group in groups:
            rows = in_group[group]
            derived, current = rules.environment_timeline(rows)
            for r in rows:
                full = {**{k: r[k] for k in _COLUMNS if k not in rules.DERIVED},
                        **derived[r["deployment_id"]]}
                was = stored.get(r["deployment_id"])
                if was is None or any(was[k] != v for k, v in full.items()):
                    changed.append(full)
            if current is not None:
                currents.append({"service": group[0], "environment": group[1], **current})
        store.insert(conn, "deployments", changed, conflict=("deployment_id",),
                     touch="updated_at")
        store.upsert(conn, "current_deployments", GROUP, groups, currents)


def _select(conn, ids: list[str], groups: list[tuple]) -> list[dict]:
    """Deployments with one of these ids or in one of these (service, environment)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM deployments WHERE deployment_id = ANY(%s) OR (service, environment) "
            "IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            (ids, [g[0] for g in groups], [g[1] for g in groups])).fetchall()


_COLUMNS = (
    "deployment_id", "service", "environment", "version", "image", "image_repository",
    "image_tag", "image_digest", "commit", "pipeline_name", "pipeline_run_id",
    "pipeline_url", "actor", "status", "started_at", "succeeded_at", "succeeded_seq",
    "finished_at", "duration_seconds", "reason", "rolled_back_at", "rolled_back_seq",
    "rolled_back_to_version", "event_seqs", "first_event_at", "last_event_at",
) + rules.DERIVED

PROJECTION = Deployments()
