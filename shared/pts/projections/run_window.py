"""Refolding a (service, environment)'s image runs from a point in time, not from its
beginning.

A run's steps are the pair's deployment successes (at the succeeded event), its service
started and stopped events. New events change the steps from some time t on (the earliest
new event's, or the earlier of a deployment's run start with and without them), so:
- the run in effect before t is the stored run that started last before t (one index
  probe); it was still running at t unless it ended before t (its to_at). The window takes
  every step at time t whatever its seq, so that an end at exactly t is inside it;
- the window's steps are read from the pair's handled events at or after t (an index range),
  and the deployments that succeeded there are folded from their own events;
- the runs from that stored run on (or from t, when it had ended) are replaced by the fold
  of the window's steps from it. A delivery newer than the pair's others reads no history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from pts.projections import store
from pts.projections.deployments import facts_by_deployment
from pts.projections.facts import Fact, Key, handled_by_deployments, handled_facts
from pts.projections.image_rules import STARTED, STOPPED, fold_steps, pair_of, run_start

TABLE = "images_handled_events"
SUCCEEDED = "dev.pts.deployment.succeeded"
FIRST = -(2**63)  # below every seq: a window takes all of its first time's events
WINDOWS = "unnest(%b::text[], %b::text[], %b::timestamptz[]) AS w(service, environment, at)"

# The run that started last before each window (from_at, from_seq order).
RUN_BEFORE = f"""
SELECT b.* FROM {WINDOWS}
CROSS JOIN LATERAL (
    SELECT * FROM image_runs r WHERE r.service = w.service AND r.environment = w.environment
      AND r.from_at < w.at ORDER BY r.from_at DESC, r.from_seq DESC LIMIT 1) AS b
"""
# The window's steps' events: an index range per pair (OFFSET 0 keeps it a probe whatever
# the statistics say), then their log rows.
STEPS_IN = f"""
h.seq = ANY(ARRAY(
    SELECT x.seq FROM {WINDOWS}
    CROSS JOIN LATERAL (
        SELECT x.seq FROM {TABLE} x WHERE x.service = w.service
          AND x.environment = w.environment AND x.occurred_at >= w.at
          AND x.type = ANY(%b::text[]) OFFSET 0) AS x))
"""


def refold(conn: psycopg.Connection, starts: dict[Key, datetime]) -> None:
    """Refold each (service, environment) of `starts` from its time on."""
    if not starts:
        return
    pairs = sorted(starts)
    arrays = ([p[0] for p in pairs], [p[1] for p in pairs], [starts[p] for p in pairs])
    with conn.cursor(row_factory=dict_row) as cur:
        before = {(r["service"], r["environment"]): r
                  for r in cur.execute(RUN_BEFORE, arrays).fetchall()}
    running = {p: r for p, r in before.items() if r["to_at"] is None or r["to_at"] >= starts[p]}
    steps = _steps(conn, starts, arrays)
    cuts = [(running[p]["from_at"], running[p]["from_seq"]) if p in running
            else (starts[p], FIRST) for p in pairs]
    conn.execute("DELETE FROM image_runs r USING unnest(%b::text[], %b::text[], "
                 "%b::timestamptz[], %b::bigint[]) AS w(s, e, at, seq) "
                 "WHERE r.service = w.s AND r.environment = w.e "
                 "AND (r.from_at, r.from_seq) >= (w.at, w.seq)",
                 (*arrays[:2], [c[0] for c in cuts], [c[1] for c in cuts]))
    store.insert(conn, "image_runs", [row for p in pairs for row in fold_steps(
        p[0], p[1], steps[p], running.get(p))])


def _steps(conn: psycopg.Connection, starts: dict[Key, datetime],
           arrays: tuple[list[str], list[str], list[datetime]]
           ) -> dict[Key, list[Key]]:
    """Each pair's steps at or after its start, in (event time, seq) order."""
    steps: dict[Key, list[Key]] = defaultdict(list)
    succeeded: dict[str, set[Key]] = defaultdict(set)  # deployment -> pairs it succeeded in
    for f in handled_facts(conn, TABLE, STEPS_IN, (*arrays, [STARTED, STOPPED, SUCCEEDED])):
        pair = pair_of(f)
        if f.type == SUCCEEDED:
            succeeded[f.get("deployment_id")].add(pair)
        elif f.type == STOPPED:
            steps[pair].append((f.occurred_at, f.seq, None))
        elif f.get("image"):
            steps[pair].append((f.occurred_at, f.seq, f.get("image")))
    if succeeded:
        facts = handled_by_deployments(conn, TABLE, list(succeeded))
        for did, fs in facts_by_deployment(facts).items():
            for pair in succeeded[did]:
                start = run_start(did, [f for f in fs if pair_of(f) == pair])
                if start is not None and start[0] >= starts[pair]:
                    steps[pair].append(start)
    for pair_steps in steps.values():
        pair_steps.sort(key=lambda s: (s[0], s[1]))
    return steps


def moved_starts(conn: psycopg.Connection, new: list[Fact]) -> dict[Key, datetime]:
    """Where these new deployment events move a run: per (service, environment), the
    earlier of each changed deployment's run start with and without them. Most change
    nothing (a `started` before its success, a failure that never succeeded)."""
    if not new:
        return {}
    fresh = {(f.source, f.id) for f in new}
    # Only deployments that name an image in some event can start a run (run_start needs
    # one): the others' events are not read (most deployments of a platform that sends no
    # image). The new events are already recorded, so they count.
    every = handled_by_deployments(conn, TABLE, [f.get("deployment_id") for f in new],
                                   imaged=True)
    new_pairs = defaultdict(set)  # per deployment: one pass, not one per deployment
    for f in new:
        new_pairs[f.get("deployment_id")].add(pair_of(f))
    moved: dict[Key, datetime] = {}
    for did, facts in facts_by_deployment(every).items():
        for pair in new_pairs[did]:
            within = [f for f in facts if pair_of(f) == pair]
            now = run_start(did, within)
            was = run_start(did, [f for f in within if (f.source, f.id) not in fresh])
            if now != was:
                at = min(s[0] for s in (now, was) if s is not None)
                moved[pair] = min(moved.get(pair, at), at)
    return moved


def earliest(starts: dict[Key, datetime], more: dict[Key, datetime]) -> dict[Key, datetime]:
    """The two maps of starts merged, the earlier time of a pair in both."""
    out = dict(starts)
    for pair, at in more.items():
        out[pair] = min(out.get(pair, at), at)
    return out

