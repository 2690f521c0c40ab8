"""Source restriction: an ingest token with a source prefix posts only events whose source
starts with it, so one pipeline cannot forge another's events. All or nothing: one forbidden
event refuses the whole request."""

from __future__ import annotations

from collections.abc import Sequence

from pts.http.problem import Problem


def check_sources(principal, envelopes: Sequence) -> None:
    """Problem 403 naming every event (index) whose source the principal may not post."""
    prefix = principal.source_prefix
    if not prefix:
        return
    forbidden = [i for i, e in enumerate(envelopes) if not e.source.startswith(prefix)]
    if forbidden:
        raise Problem(
            403,
            f"the token {principal.name!r} may only post sources starting with {prefix!r}; "
            f"{len(forbidden)} of {len(envelopes)} events are outside it; nothing was stored",
            errors=[{"index": i, "field": "source",
                     "message": f"{envelopes[i].source!r} does not start with {prefix!r}"}
                    for i in forbidden],
        )
