"""Refolding an image tag from its new publishes on, not from its beginning.

A tag's rows (image_tags) are the islands of equal digests among its publishes in (event
time, seq) order. The assignment in effect just before a publish is the stored row that
started before it (one index probe); the fold goes on from there over the publishes at or
after the earliest new one, whose rows replace the stored ones from that row on. A publish
newer than the tag's others reads no history.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pts.projections import store
from pts.projections.facts import Fact, handled_facts
from pts.projections.image_rules import PUBLISHED, fold_tag

# The assignment in effect just before each tag's window (from_at, event_seq order).
TAG_BEFORE = """
SELECT b.* FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::bigint[])
     AS w(repository, tag, at, seq)
CROSS JOIN LATERAL (
    SELECT * FROM image_tags t WHERE t.repository = w.repository AND t.tag = w.tag
      AND (t.from_at, t.event_seq) < (w.at, w.seq)
    ORDER BY t.from_at DESC, t.event_seq DESC LIMIT 1) AS b
"""
# = ANY(ARRAY(...)): the window's seqs first, then index probes.
TAG_WINDOW = """
h.seq = ANY(ARRAY(
    SELECT x.seq FROM images_handled_events x
    JOIN unnest(%b::text[], %b::text[], %b::timestamptz[], %b::bigint[])
         AS w(repository, tag, at, seq) ON x.repository = w.repository AND x.tag = w.tag
    WHERE (x.occurred_at, x.seq) >= (w.at, w.seq))) AND h.type = %s
"""


def refold(conn: psycopg.Connection, new: list[Fact]) -> None:
    """Refold each tag from its earliest new publish on, starting from the assignment
    in effect just before (one index probe): an in-order publish reads no history."""
    starts: dict[tuple[str, str], tuple[Any, int]] = {}
    for f in new:
        key = (f.get("repository"), f.get("tag"))
        starts[key] = min(starts.get(key, f.order), f.order)
    if not starts:
        return
    keys = sorted(starts)
    arrays = ([k[0] for k in keys], [k[1] for k in keys], [starts[k][0] for k in keys],
              [starts[k][1] for k in keys])
    with conn.cursor(row_factory=dict_row) as cur:
        base = {(r["repository"], r["tag"]): r
                for r in cur.execute(TAG_BEFORE, arrays).fetchall()}
    by_tag = defaultdict(list)
    for f in handled_facts(conn, "images_handled_events", TAG_WINDOW, (*arrays, PUBLISHED)):
        by_tag[(f.get("repository"), f.get("tag"))].append(f)
    cuts = {k: (base[k]["from_at"], base[k]["event_seq"]) if k in base else starts[k]
            for k in keys}
    conn.execute("DELETE FROM image_tags t USING unnest(%b::text[], %b::text[], "
                 "%b::timestamptz[], %b::bigint[]) AS w(r, g, at, seq) "
                 "WHERE t.repository = w.r AND t.tag = w.g "
                 "AND (t.from_at, t.event_seq) >= (w.at, w.seq)",
                 ([k[0] for k in keys], [k[1] for k in keys],
                  [cuts[k][0] for k in keys], [cuts[k][1] for k in keys]))
    store.insert(conn, "image_tags", [row for k in keys for row in fold_tag(
        k[0], k[1], by_tag[k], base.get(k))])
