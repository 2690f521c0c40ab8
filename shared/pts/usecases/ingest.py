"""Ingest: validate a whole request, then append it to the log in one transaction."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple

import psycopg

from pts import eventlog as event_log
from pts.cloudevents.event import content_hash
from pts.config import Settings
from pts.domain.envelope import Envelope, FieldError, validate_event
from pts.domain.errors import Conflict, Invalid, Malformed
from pts.usecases.group_commit import Job, RunAlone, committer_for


class Accepted(NamedTuple):
    """The answer for one event of a request. (Named tuples, here and in Stored and
    pts.eventlog.Appended: made per event, a frozen dataclass costs several times more.)"""

    source: str
    id: str
    seq: int
    duplicate: bool

    def as_json(self) -> dict:
        return {"source": self.source, "id": self.id, "seq": self.seq,
                "duplicate": self.duplicate}


class Stored(NamedTuple):
    """An event this request added to the log."""

    seq: int
    envelope: Envelope


# Called inside the ingest transaction with the events it adds (the outbox writes here),
# and after commit (emission). Registered by the composition root of the ingest function.
InTransaction = Callable[[psycopg.Connection, list[Stored]], None]
AfterCommit = Callable[[list[Stored]], None]
# The append itself: pts.eventlog.append_indexed's signature and answer (each event's seq,
# and the stored content hash of those already there); local mode's queues in the broker.
Append = Callable[[psycopg.Connection, list[Envelope]], tuple[list[int], list[str | None]]]


def validate_all(raws: list, settings: Settings) -> list[Envelope]:
    """Every event valid, or Malformed (an attribute) or Invalid (the catalog) naming the
    index and field of each error."""
    envelopes: list[Envelope] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(raws):
        result = validate_event(raw, settings.foreign_types)
        if isinstance(result, Envelope):
            envelopes.append(result)
        else:
            errors.extend(e.at(index) for e in result)
    if errors:
        refusal = Malformed if any(e.kind == "attribute" for e in errors) else Invalid
        raise refusal(
            f"{len({e.index for e in errors})} of {len(raws)} events are invalid; "
            "nothing was stored",
            errors=[{"index": e.index, "field": e.field, "message": e.message} for e in errors],
        )
    return envelopes


def _unique(envelopes: list[Envelope]) -> tuple[list[Envelope], list[int] | None]:
    """Drop repeats inside one request; the same (source, id) twice must be the same event.
    The unique events, in order, and where each posted event is among them (None when no
    event repeats: each is its own)."""
    seen: dict[tuple[str, str], int] = {}
    unique: list[Envelope] = []
    where: list[int] = []
    for index, env in enumerate(envelopes):
        at = seen.setdefault((env.source, env.id), len(unique))
        if at == len(unique):
            unique.append(env)
        elif content_hash(unique[at]) != content_hash(env):
            raise Conflict(f"events share source {env.source!r} and id {env.id!r} but "
                           "differ", errors=[{"index": index, "field": "id",
                                             "message": "same (source, id), other content"}])
        where.append(at)
    return unique, (None if len(unique) == len(envelopes) else where)


ATTEMPTS = 3


class Outcome(NamedTuple):
    """What the log holds for a request's unique events, by position: each one's seq,
    whether this transaction inserted it, and the events it inserted."""

    seqs: list[int]
    new: list[bool]
    stored: list[Stored]


def _conflicting(unique: list[Envelope], digests: list[str | None]) -> set[tuple[str, str]]:
    """The (source, id) of the events stored with other content (a digest: already stored)."""
    return {(e.source, e.id) for e, digest in zip(unique, digests, strict=True)
            if digest is not None and digest != content_hash(e)}


def _refuse(envelopes: list[Envelope], keys: set[tuple[str, str]]) -> Conflict:
    """The 409 naming each posted event (index) whose (source, id) is stored otherwise."""
    return Conflict(
        "an event with the same source and id is stored with other content; nothing was "
        "stored",
        errors=[{"index": i, "field": "id", "message": f"{e.source} {e.id} conflicts"}
                for i, e in enumerate(envelopes) if (e.source, e.id) in keys])


def _keep(conn, unique: list[Envelope], seqs: list[int], digests: list[str | None],
          in_transaction: Sequence[InTransaction]) -> list[Stored]:
    """The events this transaction added, after the in-transaction hooks ran on them."""
    stored = [Stored(seq, e) for e, seq, digest in zip(unique, seqs, digests, strict=True)
              if digest is None]
    for hook in in_transaction:
        hook(conn, stored)
    return stored


def _store(pool, envelopes: list[Envelope], unique: list[Envelope],
           in_transaction: Sequence[InTransaction], append: Append) -> Outcome:
    """One transaction: append, refuse conflicts, run the in-transaction hooks."""
    # Three waits on the server: BEGIN, the append, COMMIT (the pool's block commits at its
    # end, or rolls back on an exception). psycopg's transaction() inside a pipeline cost
    # five: it syncs after BEGIN, the append's answer, and twice more after the block.
    with pool.connection() as conn:
        seqs, digests = append(conn, unique)
        conflicts = _conflicting(unique, digests)
        if conflicts:
            raise _refuse(envelopes, conflicts)
        stored = _keep(conn, unique, seqs, digests, in_transaction)
    return Outcome(seqs, [d is None for d in digests], stored)


def _store_alone(pool, envelopes: list[Envelope], unique: list[Envelope],
                 in_transaction: Sequence[InTransaction], append: Append) -> Outcome:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _store(pool, envelopes, unique, in_transaction, append)
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            # The fixed insert order makes this unexpected; if the database still picks
            # this request as a deadlock victim, its transaction was rolled back whole:
            # try again rather than answer an error.
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _store_group(pool, jobs: list[Job], in_transaction: Sequence[InTransaction],
                 append: Append) -> list[Outcome]:
    """Several requests (no key in common) in one transaction; RunAlone (nothing kept) when
    any of them conflicts with stored content."""
    every = [e for job in jobs for e in job.payload[1]]
    with pool.connection() as conn:  # as _store: commits at the end of the block
        seqs, digests = append(conn, every)
        if _conflicting(every, digests):
            raise RunAlone  # that request's 409 is decided alone, the others' commit alone
        stored = _keep(conn, every, seqs, digests, in_transaction)
    out, at, kept = [], 0, 0
    for job in jobs:  # each job's share: its slice of the appended events, in order
        end = at + len(job.payload[1])
        new = [d is None for d in digests[at:end]]
        added = sum(new)
        out.append(Outcome(seqs[at:end], new, stored[kept:kept + added]))
        at, kept = end, kept + added
    return out


def ingest(
    pool,
    envelopes: list[Envelope],
    *,
    in_transaction: Sequence[InTransaction] = (),
    after_commit: Sequence[AfterCommit] = (),
    group: int = 0,
    alone_above: int = 0,
    outbox: bool = False,
    append: Append | None = None,
) -> list[Accepted]:
    """Store valid events all or nothing. A stored (source, id) with the same content is a
    duplicate; with other content, Conflict and nothing is stored. group > 0: commit
    together with this process's concurrent requests, up to that many events in one
    transaction (pts.usecases.group_commit), except a request of more than alone_above
    events (when not 0), which commits alone, concurrently with the others. outbox: the
    append statement itself writes each new event's pending emission row (instead of an
    in-transaction hook). append: the append to run instead of pts.eventlog.append_indexed
    (local mode's, which also queues in the broker)."""
    unique, where = _unique(envelopes)
    if not unique:
        return []
    append = append or functools.partial(event_log.append_indexed, outbox=outbox)
    if group > 0 and not 0 < alone_above < len(unique):
        job = Job({(e.source, e.id) for e in unique}, len(unique), (envelopes, unique))
        outcome = committer_for(pool).submit(
            job, lambda j: _store_alone(pool, j.payload[0], j.payload[1], in_transaction,
                                        append),
            lambda jobs: _store_group(pool, jobs, in_transaction, append), group)
    else:
        outcome = _store_alone(pool, envelopes, unique, in_transaction, append)
    for hook in after_commit:
        hook(outcome.stored)
    seqs, new = outcome.seqs, outcome.new
    if where is None:  # no repeats: the posted events are the unique ones
        return [Accepted(e.source, e.id, seq, not fresh)
                for e, seq, fresh in zip(envelopes, seqs, new, strict=True)]
    claimed: set[int] = set()  # a repeat of an event this request added is a duplicate
    out = []
    for e, at in zip(envelopes, where, strict=True):
        out.append(Accepted(e.source, e.id, seqs[at], not new[at] or at in claimed))
        claimed.add(at)
    return out
