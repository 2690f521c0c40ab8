"""A full rebuild in sets: each projection's tables filled from the log by a few SQL
statements (window functions over each key's events in (event time, seq) order), in the
caller's transaction, instead of applying the log through the live path batch by batch.

The live folds (pts.projections.*_rules) stay what deliveries run; the property test in
tests/projections checks that this rebuild gives the same tables as live deliveries in any
order. Events whose stored data the current catalog refuses are skipped, as live handlers
refuse them: each event is validated once, from its JSON text, before the statements run.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from pydantic import ValidationError

from pts.domain.catalog import CATALOG
from pts.projections import deployments_rebuild, images_rebuild, services_rebuild
from pts.projections.engine import Projection

REBUILDERS: dict[str, Callable[[psycopg.Connection, list[str]], None]] = {
    "deployments": deployments_rebuild.rebuild,
    "services": services_rebuild.rebuild,
    "images": images_rebuild.rebuild,
}

SCAN = ("SELECT seq, type, data::text, jsonb_typeof(data) = 'object' FROM platform_events "
        "WHERE type = ANY(%s)")


# Verdicts by (type, data): the same document validates the same way (health events repeat
# a lot; deployment events are read by all three projections). Bounded: cleared when full.
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


def skip_refused(conn: psycopg.Connection, types: list[str]) -> tuple[int, int]:
    """Create temp table replay_skipped (dropped at commit) with the seq of every event of
    these types whose data the catalog refuses; returns (accepted, skipped)."""
    conn.execute("DROP TABLE IF EXISTS replay_skipped")
    conn.execute("CREATE TEMP TABLE replay_skipped (seq bigint PRIMARY KEY) ON COMMIT DROP")
    total, skipped = 0, []
    with conn.cursor(name="pts_replay_scan") as scan:  # server-side: streamed, not held
        scan.itersize = 10_000
        scan.execute(SCAN, (types,))
        for seq, type_, text, is_object in scan:
            total += 1
            if _refused(type_, text, is_object):
                skipped.append((seq,))
    if skipped:
        with conn.cursor() as cur, cur.copy("COPY replay_skipped (seq) FROM STDIN") as copy:
            for row in skipped:
                copy.write_row(row)
    conn.execute("ANALYZE replay_skipped")
    return total - len(skipped), len(skipped)


def rebuild(conn: psycopg.Connection, projection: Projection) -> tuple[int, int]:
    """Fill the projection's (empty) tables, found on the search path, from the whole log;
    returns (events applied, events skipped)."""
    types = list(projection.types)
    applied, skipped = skip_refused(conn, types)
    REBUILDERS[projection.name](conn, types)
    return applied, skipped
