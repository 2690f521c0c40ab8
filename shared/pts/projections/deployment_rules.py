"""The deployment rules, as pure functions over events in (event time, seq) order.

- Status is a state machine: started -> succeeded | failed | cancelled; succeeded ->
  rolled_back. Folding in event-time order means a terminal status is never overwritten by
  an older event (the newer terminal comes later in the fold), and a late `started` still
  fills in started_at. rolled_back is final.
- Per (service, environment), succeeded deployments become current in the order they
  succeeded; a deployment that brings back a version the environment ran before a different
  one is an (inferred) rollback; an explicit `rolled_back` event marks its deployment as a
  rollback and puts the environment back on `to_version` (or the version it replaced).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pts.projections.facts import Fact, Key, Row
from pts.projections.imageref import parse_image

TERMINAL = ("succeeded", "failed", "cancelled")
CARRIED = ("version", "image", "commit")  # last value seen wins


def fold_deployment(deployment_id: str, facts: list[Fact]) -> Row:
    """One deployments row (without the per-environment columns) from its events, sorted."""
    row: Row = {"deployment_id": deployment_id, "service": None, "environment": None,
                 "status": None, "started_at": None, "finished_at": None, "reason": None,
                 "succeeded_at": None, "succeeded_seq": None, "rolled_back_at": None,
                 "rolled_back_seq": None, "rolled_back_to_version": None, "actor": None,
                 "pipeline_name": None, "pipeline_run_id": None, "pipeline_url": None}
    row.update(dict.fromkeys(CARRIED))
    for fact in facts:
        kind = fact.kind
        row["service"] = row["service"] or fact.get("service")
        row["environment"] = row["environment"] or fact.get("environment")
        for name in CARRIED:
            if fact.get(name) is not None:
                row[name] = fact.get(name)
        if kind == "started":
            pipeline = fact.get("pipeline") or {}
            for name in ("name", "run_id", "url"):
                if pipeline.get(name) is not None:
                    row[f"pipeline_{name}"] = pipeline[name]
            if fact.get("actor") is not None:
                row["actor"] = fact.get("actor")
            if row["started_at"] is None:
                row["started_at"] = fact.occurred_at
            row["status"] = row["status"] or "started"
        elif kind in TERMINAL and row["status"] != "rolled_back":
            row.update(status=kind, finished_at=fact.occurred_at, reason=fact.get("reason"))
            if kind == "succeeded":
                row.update(succeeded_at=fact.occurred_at, succeeded_seq=fact.seq)
        elif kind == "rolled_back":
            row.update(status="rolled_back", rolled_back_at=fact.occurred_at,
                       rolled_back_seq=fact.seq, reason=fact.get("reason"),
                       rolled_back_to_version=fact.get("to_version"))
    if row["status"] not in ("succeeded", "rolled_back"):
        row.update(succeeded_at=None, succeeded_seq=None)  # a later failure undid it
    ref = parse_image(row["image"])
    row["image_repository"] = ref.repository if ref else None
    row["image_tag"] = ref.tag if ref else None
    row["image_digest"] = ref.digest if ref else None
    started, finished = row["started_at"], row["finished_at"]
    row["duration_seconds"] = (
        (finished - started).total_seconds() if started and finished else None
    )
    row["event_seqs"] = sorted(f.seq for f in facts)
    row["first_event_at"] = facts[0].occurred_at
    row["last_event_at"] = facts[-1].occurred_at
    return row


DERIVED = ("replaced_deployment_id", "replaced_version", "is_rollback", "rollback_inferred",
           "is_current")


def environment_timeline(rows: list[Row], *, since: Key | None = None,
                         current: Row | None = None, ran: Iterable[Any] = (),
                         earlier: Callable[[str, Any], Row | None] | None = None
                         ) -> tuple[dict[str, Row], Row | None, list[Row]]:
    """The per-environment columns of each deployment of one (service, environment), what
    is current there (None when nothing ever succeeded), and the steps folded (each with
    what was current after it).

    With `since` (event time, seq), only the steps at or after it are folded, from what
    was then `current`; `ran` holds the versions of `rows` that ran before, and
    `earlier(deployment_id, version)` finds the last deployment other than that one made
    current before `since` with that version. A row whose deploy step is before `since`
    keeps its stored columns (they were set at that step)."""
    derived = {r["deployment_id"]: _derived_start(r, since) for r in rows}
    steps = []
    for r in rows:
        if r["succeeded_at"] is not None:
            steps.append(((r["succeeded_at"], r["succeeded_seq"]), "deploy", r))
        if r["rolled_back_at"] is not None:
            steps.append(((r["rolled_back_at"], r["rolled_back_seq"]), "rollback", r))
    steps = sorted((s for s in steps if since is None or s[0] >= since),
                   key=lambda s: s[0])
    ran = set(ran)
    if current is not None:
        ran.add(current["version"])
    history: list[Row] = []  # deployments in the order they became current
    done: list[Row] = []
    for (at, seq), step, r in steps:
        did = r["deployment_id"]
        if step == "deploy":
            d = derived[did]
            if current is not None and current["deployment_id"] != did:
                d["replaced_deployment_id"] = current["deployment_id"]
                d["replaced_version"] = current["version"]
            version = r["version"]
            if (version is not None and current is not None and current["version"] != version
                    and version in ran):
                d["rollback_inferred"] = not d["is_rollback"]
                d["is_rollback"] = True
            current = _current(r, at)
            history.append(r)
        elif current is not None and current["deployment_id"] == did:
            target = r["rolled_back_to_version"] or derived[did]["replaced_version"]
            back = next((h for h in reversed(history) if h["deployment_id"] != did
                         and h["version"] == target), None)
            if back is None and earlier is not None:
                back = earlier(did, target)
            current = _current(back, at) if back else {
                "deployment_id": None, "version": target, "image": None,
                "image_digest": None, "since": at}
        if current is not None:
            ran.add(current["version"])
        done.append(_step(r, at, seq, step, current))
    if current is not None and current["deployment_id"] in derived:
        derived[current["deployment_id"]]["is_current"] = True
    return derived, current, done


def _derived_start(r: Row, since: Key | None) -> Row:
    if (since is not None and r["succeeded_at"] is not None
            and (r["succeeded_at"], r["succeeded_seq"]) < since):
        return {**{k: r[k] for k in DERIVED}, "is_current": False}
    return {"replaced_deployment_id": None, "replaced_version": None,
            "is_rollback": r["status"] == "rolled_back", "rollback_inferred": False,
            "is_current": False}


def _step(r: Row, at: datetime, seq: int, step: str, current: Row | None) -> Row:
    now = current or {}
    return {"service": r["service"], "environment": r["environment"], "at": at, "seq": seq,
            "step": step, "deployment_id": r["deployment_id"],
            "current_deployment_id": now.get("deployment_id"),
            "current_version": now.get("version"), "current_image": now.get("image"),
            "current_image_digest": now.get("image_digest"),
            "current_since": now.get("since")}


def _current(row: Row, since: datetime) -> Row:
    return {"deployment_id": row["deployment_id"], "version": row["version"],
            "image": row["image"], "image_digest": row["image_digest"], "since": since}
