"""The image rules, as pure functions over events in (event time, seq) order.

- An image is (repository, digest): a digest never moves. first_seen_at is the earliest
  event naming it; published_at the earliest `image.published` for it.
- A tag moves: each `image.published` that points (repository, tag) at another digest ends
  the tag's previous assignment (to_at) and starts a new one.
- Where an image ran, per (service, environment): it starts running when a deployment that
  names it succeeds, or a `service.started` names it; it stops when another image starts
  there or the service stops.
"""

from __future__ import annotations

from datetime import datetime

from pts.projections.deployment_rules import fold_deployment
from pts.projections.deployments import facts_by_deployment
from pts.projections.facts import Fact, Key, Row
from pts.projections.imageref import parse_image

PUBLISHED = "dev.pts.image.published"
STARTED = "dev.pts.service.started"
STOPPED = "dev.pts.service.stopped"


def pair_of(fact: Fact) -> Key:
    """The (service, environment) an event names: where its image runs."""
    return (fact.get("service"), fact.get("environment"))


def fold_image(repository: str, digest: str, published: list[Fact],
               first_seen: datetime) -> Row:
    row = {"repository": repository, "digest": digest, "first_seen_at": first_seen,
           "published_at": None, "commit": None, "service": None}
    for fact in published:
        row["published_at"] = row["published_at"] or fact.occurred_at
        for name in ("commit", "service"):
            if fact.get(name) is not None:
                row[name] = fact.get(name)
    return row


def fold_tag(repository: str, tag: str, published: list[Fact],
             start: Row | None = None) -> list[Row]:
    """image_tags rows of one tag from its publishes; from the stored row `start` (the
    assignment in effect before them, reopened) when they all come after its event."""
    rows: list[Row] = [{**start, "to_at": None}] if start else []
    for fact in published:
        if rows and rows[-1]["digest"] == fact.get("digest"):
            continue
        if rows:
            rows[-1]["to_at"] = fact.occurred_at
        rows.append({"repository": repository, "tag": tag, "digest": fact.get("digest"),
                     "from_at": fact.occurred_at, "to_at": None, "event_seq": fact.seq})
    return rows


def run_start(deployment_id: str, facts: list[Fact]) -> Key | None:
    """What of a deployment matters to image_runs: when it succeeded, with which image."""
    if not facts:
        return None
    row = fold_deployment(deployment_id, facts)
    if row["succeeded_at"] is None or not row["image"]:
        return None
    return (row["succeeded_at"], row["succeeded_seq"], row["image"])


def run_steps(facts: list[Fact]) -> list[Key]:
    """The steps of one (service, environment)'s runs in (event time, seq) order: (at, seq,
    image) where a deployment succeeded or a service started with an image, (at, seq, None)
    where the service stopped."""
    steps = []
    deployment_facts = [f for f in facts if f.type.startswith("dev.pts.deployment.")]
    for did, fs in facts_by_deployment(deployment_facts).items():
        start = run_start(did, fs)
        if start is not None:
            steps.append(start)
    for f in facts:
        if f.type == STARTED and f.get("image"):
            steps.append((f.occurred_at, f.seq, f.get("image")))
        elif f.type == STOPPED:
            steps.append((f.occurred_at, f.seq, None))
    steps.sort(key=lambda s: (s[0], s[1]))
    return steps


def fold_runs(service: str, environment: str, facts: list[Fact]) -> list[Row]:
    """image_runs rows of one (service, environment) from its deployment and service
    started/stopped events."""
    return fold_steps(service, environment, run_steps(facts))


def fold_steps(service: str, environment: str, steps: list[Key],
               running: Row | None = None) -> list[Row]:
    """image_runs rows from steps in order; from the stored row `running` (the run in
    effect before them, reopened) when they all come after it."""
    runs: list[Row] = [{**running, "to_at": None}] if running else []
    ref = parse_image(running["image"]) if running else None
    current = ref.identity if ref else None  # identity of the image running now
    for at, seq, image in steps:
        ref = parse_image(image)
        identity = ref.identity if ref else None
        if identity == current:
            continue
        if current is not None:
            runs[-1]["to_at"] = at
        current = identity
        if ref is not None:
            runs.append({"service": service, "environment": environment, "image": image,
                         "repository": ref.repository, "tag": ref.tag, "digest": ref.digest,
                         "from_at": at, "to_at": None, "from_seq": seq})
    return runs
