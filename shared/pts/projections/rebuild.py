"""A full rebuild in sets: each projection's tables filled from the log by a few SQL
statements (window functions over each key's events in (event time, seq) order), in the
caller's transaction, instead of applying the log through the live path batch by batch.

The live folds (pts.projections.*_rules) stay what deliveries run; the property test in
tests/projections checks that this rebuild gives the same tables as live deliveries in any
order. Events whose stored data the current catalog refuses are skipped, as live handlers
refuse them: each event is validated once, from its JSON text (`check_log`); the
statements leave out the seqs listed in the temp table replay_skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psycopg
from pydantic import ValidationError

from pts.domain.catalog import CATALOG
from pts.projections import deployments_rebuild, images_rebuild, services_rebuild
from pts.projections.engine import Projection
from pts.projections.phases import phase

REBUILDERS: dict[str, Callable[[psycopg.Connection, list[str]], None]] = {
    "deployments": deployments_rebuild.rebuild,
    "services": services_rebuild.rebuild,
    "images": images_rebuild.rebuild,
}

SCAN = ("SELECT seq, type, data::text, jsonb_typeof(data) = 'object' FROM platform_events "
        "WHERE type = ANY(%s)")


# Verdicts by (type, data): the same document validates the same way (health events repeat
# a lot). Bounded: cleared when full.
_VERDICTS: dict[tuple[str, str], bool] = {}
_KEEP = 200_000


def _refused(type_: str, text: str, is_object: bool) -> bool:
    if not is_object:
        return True
    key = (type_, text)
    verdict = _VERDICTS.get(key)
    if verdict is None:
        try:
            CATALOG[type_].model_validate_json(text)
            verdict = False
        except ValidationError:
            verdict = True
        if len(_VERDICTS) >= _KEEP:
            _VERDICTS.clear()
        _VERDICTS[key] = verdict
    return verdict


@dataclass
class Checked:
    """What the catalog check found: events per type, and the (seq, type) of each event
    whose stored data the catalog refuses."""

    counts: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[int, str]] = field(default_factory=list)

    def skipped(self, types: Iterable[str]) -> list[int]:
        """The seqs of the refused events of these types."""
        wanted = set(types)
        return [seq for seq, type_ in self.refused if type_ in wanted]

    def tally(self, types: Iterable[str]) -> tuple[int, int]:
        """(accepted, skipped) among the events of these types."""
        types = set(types)
        skipped = len(self.skipped(types))
        return sum(self.counts[t] for t in types) - skipped, skipped


def check_log(conn: psycopg.Connection, types: list[str]) -> Checked:
    """Check every event of these types against the catalog, in conn's transaction (a
    server-side cursor: the log is streamed, not held)."""
    checked = Checked()
    counts: dict[str, int] = {}
    with conn.cursor(name="pts_replay_scan") as scan:
        scan.itersize = 10_000
        scan.execute(SCAN, (types,))
        for seq, type_, text, is_object in scan:
            counts[type_] = counts.get(type_, 0) + 1
            if _refused(type_, text, is_object):
                checked.refused.append((seq, type_))
    checked.counts.update(counts)
    return checked


def fill_skipped(conn: psycopg.Connection, seqs: list[int]) -> None:
    """Temp table replay_skipped (dropped at commit), created if missing, given these seqs."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS replay_skipped (seq bigint PRIMARY KEY) "
                 "ON COMMIT DROP")
    if seqs:
        with conn.cursor() as cur, cur.copy("COPY replay_skipped (seq) FROM STDIN") as copy:
            for seq in seqs:
                copy.write_row((seq,))
    conn.execute("ANALYZE replay_skipped")


def skip_refused(conn: psycopg.Connection, types: list[str]) -> tuple[int, int]:
    """Create temp table replay_skipped (dropped at commit) with the seq of every event of
    these types whose data the catalog refuses; returns (accepted, skipped)."""
    conn.execute("DROP TABLE IF EXISTS replay_skipped")
    checked = check_log(conn, types)
    fill_skipped(conn, checked.skipped(types))
    return checked.tally(types)


def rebuild(conn: psycopg.Connection, projection: Projection) -> tuple[int, int]:
    """Fill the projection's (empty) tables, found on the search path, from the whole log;
    returns (events applied, events skipped)."""
    types = list(projection.types)
    with phase(f"{projection.name} catalog check"):
        applied, skipped = skip_refused(conn, types)
    REBUILDERS[projection.name](conn, types)
    return applied, skipped
