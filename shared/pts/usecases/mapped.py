"""Events that map onto the catalog: the original as sent, plus the catalog events it maps
onto, stored in one transaction, answered together.

Used by ingest (CDEvents) and by the webhooks function (every producer's payload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pts.domain.envelope import Envelope, validate_event
from pts.domain.errors import Invalid
from pts.domain.timefmt import format_rfc3339
from pts.usecases.ingest import Accepted


@dataclass
class Posted:
    """One original event and the catalog events it maps onto."""

    original: Envelope
    mapped: list[Envelope] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # derived events the catalog refused


def derived(origin: Envelope, type_: str, data: dict, index: int = 0,
            time: str | None = None) -> dict:
    """A raw CloudEvent of a catalog type that `origin` maps onto: same source, the id
    `<origin id>#<type>[.<index>]`, extensions `ptsoriginid` and `ptsorigintype`, the time
    given (else the origin's)."""
    suffix = type_.removeprefix("dev.pts.") + (f".{index}" if index else "")
    raw = {"specversion": "1.0", "id": f"{origin.id}#{suffix}", "source": origin.source,
           "type": type_, "datacontenttype": "application/json", "data": data,
           "ptsoriginid": origin.id, "ptsorigintype": origin.type}
    if time is None and origin.time is not None:
        time = format_rfc3339(origin.time)
    if time is not None:
        raw["time"] = time
    return raw


def map_all(envelopes: list[Envelope], derive: Callable[[Envelope], list[dict]],
            *, strict: bool = True) -> list[Posted]:
    """Each envelope with the validated events `derive` makes of it. A derived event the
    catalog refuses is a 422 when strict (the producer can fix it), else dropped."""
    out = []
    errors: list[dict[str, object]] = []
    for index, env in enumerate(envelopes):
        posted = Posted(env)
        for raw in derive(env):
            result = validate_event(raw)
            if isinstance(result, Envelope):
                posted.mapped.append(result)
            else:
                messages = [f"maps onto {raw['type']}: {e.field} {e.message}" for e in result]
                errors.extend({"index": index, "field": e.field, "message": message}
                              for e, message in zip(result, messages, strict=True))
                posted.dropped.extend(messages)
        out.append(posted)
    if errors and strict:
        raise Invalid("an event maps onto a PTS event the catalog refuses; nothing was "
                      "stored", errors=errors)
    return out


def flatten(posted: list[Posted]) -> list[Envelope]:
    """Every envelope to store, each original followed by what it maps onto."""
    return [env for p in posted for env in (p.original, *p.mapped)]


def answer(posted: list[Posted], accepted: list[Accepted]) -> list[dict]:
    """The answer per original event (ingest's fields); one that maps onto the catalog also
    has `mapped`: those events (type, source, id, seq, duplicate)."""
    out, position = [], 0
    for p in posted:
        item = accepted[position].as_json()
        position += 1
        if p.mapped:
            item["mapped"] = [{"type": env.type, **a.as_json()} for env, a in
                              zip(p.mapped, accepted[position:], strict=False)]
            position += len(p.mapped)
        out.append(item)
    return out
