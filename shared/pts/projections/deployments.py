"""The deployments projection: tables deployments and current_deployments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import groupby
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pts.domain.functions import types_of
from pts.projections import deployment_rules as rules
from pts.projections import deployment_window as window
from pts.projections import store
from pts.projections.engine import Projection
from pts.projections.facts import Fact, Key, Row, handled_by_deployments

GROUP = ("service", "environment")


def group_of(row: Row) -> tuple[str, str]:
    return (row["service"], row["environment"])


def facts_by_deployment(facts: list[Fact]) -> dict[str, list[Fact]]:
    """Sorted facts split per deployment id, each list still in (event time, seq) order."""
    ordered = sorted(facts, key=lambda f: (f.get("deployment_id"), f.order))
    return {k: list(g) for k, g in groupby(ordered, key=lambda f: f.get("deployment_id"))}


class Deployments(Projection):
    name = "deployments"
    types = types_of("deployments")  # the function table's
    handled_table = "deployments_handled_events"
    handled_columns = ("deployment_id", "service", "environment")
    handled_sql = ("e.data->>'deployment_id'", "e.data->>'service'", "e.data->>'environment'")
    tables = ("deployments", "current_deployments", "deployment_steps",
              "deployments_handled_events")

    def handled_row(self, fact: Fact) -> Key:
        return (fact.get("deployment_id"), fact.get("service"), fact.get("environment"))

    def lock_keys(self, fact: Fact) -> Iterator[str]:
        yield f"deployment:{fact.get('deployment_id')}"
        yield f"deployments:{fact.get('service')}\x1f{fact.get('environment')}"

    def recompute(self, conn: psycopg.Connection, facts: list[Fact], *,
                  again: bool = False) -> None:
        ids = sorted({f.get("deployment_id") for f in facts})
        every = handled_by_deployments(conn, self.handled_table, ids)
        fresh = {i: rules.fold_deployment(i, fs) for i, fs in facts_by_deployment(every).items()}
        stored = {r["deployment_id"]: r for r in _select(conn, ids, [])}
        _lock_timelines(conn, facts, [*fresh.values(), *stored.values()])
        starts = _starts(fresh, stored, again)
        if starts:
            seen = window.before(conn, starts)
            starts.update({g: window.FULL for g, b in seen.items() if b["unstepped"]})
        latest = {i: {**stored.get(i, {}), **r} for i, r in fresh.items()}
        if starts:  # the deployments with a step in a refolded window
            whole = sorted(g for g, t in starts.items() if t == window.FULL)
            for r in window.window_rows(conn, starts) + _select(conn, [], whole):
                stored.setdefault(r["deployment_id"], r)
                latest.setdefault(r["deployment_id"], r)
        in_group = defaultdict(list)
        for r in latest.values():
            in_group[group_of(r)].append(r)
        ran = window.ran_before(conn, sorted(
            {(*g, r["version"], t) for g, t in starts.items() if t != window.FULL
             for r in in_group[g] if r["version"] is not None}))
        changed: list[Row] = []
        currents: list[Row] = []
        steps: list[Row] = []
        flags: set[Any] = set()
        now_current: list[Any] = []
        derived_all: Row = {}
        for g, t in sorted(starts.items()):
            since = None if t == window.FULL else t
            derived, current, done = rules.environment_timeline(
                in_group[g], since=since, current=seen[g]["current"] if since else None,
                ran={v for s, e, v in ran if (s, e) == g}, earlier=window.earlier(conn, g, t))
            derived_all.update(derived)
            steps += done
            if current is not None:
                currents.append({"service": g[0], "environment": g[1], **current})
                now_current.append(current["deployment_id"])
            flags |= {seen[g]["stored_current"], current and current["deployment_id"]}
        for i, r in latest.items():
            if i not in derived_all and i not in fresh:
                continue  # outside every window and not delivered: unchanged
            was = stored.get(i)
            if i in derived_all:
                derived = derived_all[i]
            elif was is not None and _steps(r):  # its timeline did not change
                derived = {k: was[k] for k in rules.DERIVED}
            else:  # never in a timeline
                derived = rules.environment_timeline([r])[0][i]
            full = {**{k: r[k] for k in _COLUMNS if k not in rules.DERIVED}, **derived}
            if was is None or any(was[k] != v for k, v in full.items()):
                changed.append(full)
        store.insert(conn, "deployments", changed, conflict=("deployment_id",),
                     touch="updated_at")
        if starts:
            window.replace_from(conn, starts, steps)
            window.set_current_flags(conn, sorted(f for f in flags - set(derived_all) if f),
                                     [c for c in now_current if c])
            store.upsert(conn, "current_deployments", GROUP, sorted(starts), currents)


def _lock_timelines(conn: psycopg.Connection, facts: list[Fact], rows: list[Row]) -> None:
    """Lock the timelines of these deployments that no event of the batch names: an event
    may name another (service, environment) than its deployment's, and two transactions
    refolding one timeline must not interleave. Taken before any step is read."""
    named = {(f.get("service"), f.get("environment")) for f in facts}
    keys = sorted(f"deployments:{s}\x1f{e}" for s, e in {group_of(r) for r in rows} - named)
    if keys:
        conn.execute("SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
                     "FROM (SELECT k FROM unnest(%b::text[]) AS k ORDER BY k) AS s", (keys,))


# What a deployment's place in its environment's timeline depends on: a change in any of
# these refolds that timeline from the deployment's earliest step (before or after).
TIMELINE = ("service", "environment", "status", "version", "image", "image_digest",
            "succeeded_at", "succeeded_seq", "rolled_back_at", "rolled_back_seq",
            "rolled_back_to_version")


def _steps(row: Row) -> list[Key]:
    return [(row[a], row[q]) for a, q in (("succeeded_at", "succeeded_seq"),
                                          ("rolled_back_at", "rolled_back_seq"))
            if row[a] is not None]


def _starts(fresh: Row, stored: Row, again: bool) -> dict[Key, Key]:
    """Per (service, environment) to refold, the (event time, seq) to refold from."""
    starts: dict[Key, Key] = {}
    for i, row in fresh.items():
        was = stored.get(i)
        if again:
            starts[group_of(row)] = window.FULL
            if was:
                starts[group_of(was)] = window.FULL
            continue
        if was is not None and all(was[k] == row[k] for k in TIMELINE):
            continue
        for group, row_steps in ((group_of(row), _steps(row)),
                                 *([(group_of(was), _steps(was))] if was else [])):
            if row_steps:
                starts[group] = min([*row_steps, starts.get(group, row_steps[0])])
    return starts


def _select(conn: psycopg.Connection, ids: list[str], groups: list[Key]) -> list[Row]:
    """Deployments with one of these ids, or in one of these (service, environment)."""
    sql, args = "SELECT * FROM deployments WHERE deployment_id = ANY(%b)", [ids]
    if groups:  # only in a whole refold: an OR here made every delivery a table scan
        sql += (" OR (service, environment) IN (SELECT * FROM unnest(%b::text[], "
                "%b::text[]))")
        args += [[g[0] for g in groups], [g[1] for g in groups]]
    with conn.cursor(row_factory=dict_row) as cur:
        return list(cur.execute(sql, args).fetchall())


_COLUMNS = (
    "deployment_id", "service", "environment", "version", "image", "image_repository",
    "image_tag", "image_digest", "commit", "pipeline_name", "pipeline_run_id",
    "pipeline_url", "actor", "status", "started_at", "succeeded_at", "succeeded_seq",
    "finished_at", "duration_seconds", "reason", "rolled_back_at", "rolled_back_seq",
    "rolled_back_to_version", "event_seqs", "first_event_at", "last_event_at",
) + rules.DERIVED

PROJECTION = Deployments()
