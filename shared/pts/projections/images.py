"""The images projection: images, image_tags and image_runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import psycopg

from pts.domain.functions import DEPLOYMENT_TYPES, types_of
from pts.projections import image_rules as rules
from pts.projections import run_window, store, tag_window
from pts.projections.engine import Projection
from pts.projections.facts import Fact, Key, handled_facts
from pts.projections.imageref import parse_image
from pts.projections.imagesql import parts

PUBLISHED = rules.PUBLISHED
PAIRS_IN = "({}) IN (SELECT * FROM unnest(%b::text[], %b::text[]))"


def _columns(keys: list[Key]) -> tuple[list[Any], list[Any]]:
    return [k[0] for k in keys], [k[1] for k in keys]


class Images(Projection):
    name = "images"
    types = types_of("images")  # the function table's
    handled_table = "images_handled_events"
    handled_columns = ("service", "environment", "repository", "tag", "digest",
                       "deployment_id")
    handled_sql = (
        "e.data->>'service'",
        f"CASE WHEN e.type = '{PUBLISHED}' THEN NULL ELSE e.data->>'environment' END",
        *(f"CASE WHEN e.type = '{PUBLISHED}' THEN e.data->>'{c}' ELSE i.{c} END"
          for c in ("repository", "tag", "digest")),
        f"CASE WHEN e.type = '{PUBLISHED}' THEN NULL ELSE e.data->>'deployment_id' END")
    handled_joins = parts(f"CASE WHEN e.type <> '{PUBLISHED}' THEN e.data->'image' END", "i")
    tables = ("images", "image_tags", "image_runs", "images_handled_events")

    def handled_row(self, fact: Fact) -> Key:
        if fact.type == PUBLISHED:
            return (fact.get("service"), None, fact.get("repository"), fact.get("tag"),
                    fact.get("digest"), None)
        ref = parse_image(fact.get("image"))
        return (fact.get("service"), fact.get("environment"),
                ref.repository if ref else None, ref.tag if ref else None,
                ref.digest if ref else None, fact.get("deployment_id"))

    def lock_keys(self, fact: Fact) -> Iterator[str]:
        service, environment, repository, tag, digest, _ = self.handled_row(fact)
        if digest:
            yield f"image:{repository}@{digest}"
        if tag and fact.type == PUBLISHED:
            yield f"tag:{repository}:{tag}"
        if service and environment:
            yield f"runs:{service}\x1f{environment}"

    def recompute(self, conn: psycopg.Connection, facts: list[Fact], *,
                  again: bool = False) -> None:
        rows = [self.handled_row(f) for f in facts]
        digests = sorted({(r[2], r[4]) for r in rows if r[4]})
        tags = sorted({(r[2], r[3]) for f, r in zip(facts, rows, strict=True)
                       if f.type == PUBLISHED and r[3]})
        located = [f for f in facts if f.type != PUBLISHED and f.get("service")
                   and f.get("environment")]
        self._images(conn, digests, None if again else list(zip(facts, rows, strict=True)))
        if again:
            self._tags(conn, tags)
            self._runs(conn, sorted({rules.pair_of(f) for f in located}))
            return
        tag_window.refold(conn, [f for f in facts if f.type == PUBLISHED and f.get("tag")])
        # Runs from each pair's earliest new step on: a service's started or stopped event,
        # or the run start a deployment's new events move.
        starts: dict[Key, Any] = {}
        for f in located:
            if f.type not in DEPLOYMENT_TYPES:
                pair = rules.pair_of(f)
                starts[pair] = min(starts.get(pair, f.occurred_at), f.occurred_at)
        run_window.refold(conn, run_window.earliest(starts, run_window.moved_starts(
            conn, [f for f in located if f.type in DEPLOYMENT_TYPES])))

    def _images(self, conn: psycopg.Connection, digests: list[Key],
                new: list[tuple[Fact, Key]] | None) -> None:
        """new: the events are new (not `again`): an image's first_seen_at is the earlier
        of its stored one and theirs (handled events are never removed), not a scan of
        every event that ever named it."""
        if not digests:
            return
        where = PAIRS_IN.format("repository, digest")
        if new is None:
            first = {(r, d): t for r, d, t in conn.execute(
                f"SELECT repository, digest, min(occurred_at) FROM {self.handled_table} "
                f"WHERE {where} GROUP BY repository, digest", _columns(digests))}
        else:
            first = {}
            for f, r in new:
                if r[4]:
                    first[(r[2], r[4])] = min(first.get((r[2], r[4]), f.occurred_at),
                                              f.occurred_at)
            for r, d, t in conn.execute(f"SELECT repository, digest, first_seen_at FROM "
                                        f"images WHERE {where}", _columns(digests)):
                first[(r, d)] = min(first[(r, d)], t)
        published = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               PAIRS_IN.format("h.repository, h.digest") + " AND h.type = %s",
                               (*_columns(digests), PUBLISHED)):
            published[(f.get("repository"), f.get("digest"))].append(f)
        store.upsert(conn, "images", ("repository", "digest"), digests,
                      [rules.fold_image(r, d, published[(r, d)], first[(r, d)])
                       for r, d in digests])

    def _tags(self, conn: psycopg.Connection, tags: list[Key]) -> None:
        if not tags:
            return
        by_tag = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               "(h.repository, h.tag) IN (SELECT * FROM unnest(%b::text[], "
                               "%b::text[])) AND h.type = %s", (*_columns(tags), PUBLISHED)):
            by_tag[(f.get("repository"), f.get("tag"))].append(f)
        store.replace(conn, "image_tags", ("repository", "tag"), tags,
                      [row for r, t in tags for row in rules.fold_tag(r, t, by_tag[(r, t)])])

    def _runs(self, conn: psycopg.Connection, pairs: list[Key]) -> None:
        if not pairs:
            return
        by_pair = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               "(h.service, h.environment) IN (SELECT * FROM unnest("
                               "%b::text[], %b::text[])) AND h.type <> %s",
                               (*_columns(pairs), PUBLISHED)):
            by_pair[rules.pair_of(f)].append(f)
        store.replace(conn, "image_runs", ("service", "environment"), pairs,
                      [row for s, e in pairs for row in rules.fold_runs(s, e, by_pair[(s, e)])])


PROJECTION = Images()
