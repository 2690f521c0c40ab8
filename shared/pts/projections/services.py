"""The services projection: services, service_environments and service_transitions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

import psycopg

from pts.domain.functions import types_of
from pts.projections import service_rules as rules
from pts.projections import service_window as window
from pts.projections import store
from pts.projections.engine import Projection
from pts.projections.facts import Fact, Key, handled_facts, seq_array

SERVICE = "dev.pts.service."
REGISTRY_TYPES = [SERVICE + "registered", SERVICE + "decommissioned"]
STATE_TYPES = [SERVICE + "started", SERVICE + "stopped", SERVICE + "health_changed"]
PAIR = ("service", "environment")


class Services(Projection):
    name = "services"
    types = types_of("services")  # the function table's; any naming a service registers it
    handled_table = "services_handled_events"
    handled_columns = PAIR
    handled_sql = ("e.data->>'service'",
                   "CASE WHEN e.data->>'service' <> '' THEN e.data->>'environment' END")
    tables = ("services", "service_environments", "service_transitions",
              "services_handled_events")

    def handled_row(self, fact: Fact) -> Key:
        service = fact.get("service")
        return (service, fact.get("environment") if service else None)

    def lock_keys(self, fact: Fact) -> Iterator[str]:
        # Every event naming a service, not only those the folds read: a batch then writes
        # each of its service's environments once, the seen times with the fold (no row of a
        # service is written by two transactions at once, whatever their order of writes).
        if fact.get("service"):
            yield f"service:{fact.get('service')}"

    def recompute(self, conn: psycopg.Connection, facts: list[Fact], *,
                  again: bool = False) -> None:
        named = [f for f in facts if f.get("service")]
        if not named:
            return
        state = [f for f in named if f.type in STATE_TYPES]
        seen = _seen(named)
        folded = {(f.get("service"), f.get("environment")) for f in state}
        _touch(conn, named, [p for p in seen if p not in folded])
        services = sorted({f.get("service") for f in named if f.type in REGISTRY_TYPES})
        if services:
            self._registry(conn, services)
        if state:
            self._environments(conn, state, again, seen)

    def _registry(self, conn: psycopg.Connection, services: list[str]) -> None:
        seen = {r["service"]: r for r in
                store.select_keys(conn, "services", ("service",), [(s,) for s in services])}
        by_service = defaultdict(list)
        for f in handled_facts(conn, self.handled_table,
                               "h.service = ANY(%b) AND h.type = ANY(%b)",
                               (services, REGISTRY_TYPES)):
            by_service[f.get("service")].append(f)
        store.upsert(conn, "services", ("service",), [(s,) for s in services],
                     [rules.fold_registry(s, by_service[s], seen[s]["first_seen_at"],
                                          seen[s]["last_seen_at"]) for s in services])

    def _environments(self, conn: psycopg.Connection, facts: list[Fact], again: bool,
                      seen_now: dict[Key, list[datetime]]) -> None:
        new = defaultdict(list)
        for f in sorted(facts, key=lambda f: f.order):
            new[(f.get("service"), f.get("environment"))].append(f)
        pairs = sorted(new)
        stored = {(r["service"], r["environment"]): r
                  for r in store.select_keys(conn, "service_environments", PAIR, pairs)}
        latest = _latest_before(conn, pairs, [f.seq for f in facts])
        # `pts replay --from` refolds all; an event older than one already folded refolds
        # the window from its time; the usual case continues from the stored row.
        full = [p for p in pairs if again]
        late = [p for p in pairs if not again and p in latest
                and latest[p] > new[p][0].order]
        by_pair = defaultdict(list)
        if full:
            for f in handled_facts(conn, self.handled_table,
                                   PAIRS_IN.format("h.service, h.environment")
                                   + " AND h.type = ANY(%b)",
                                   ([p[0] for p in full], [p[1] for p in full], STATE_TYPES)):
                by_pair[(f.get("service"), f.get("environment"))].append(f)
        rows, transitions = [], []
        for pair in pairs:
            # Not touched before (_touch leaves the folded pairs out): the stored seen times
            # (none for a new pair) moved by this batch's events here, in the one write.
            seen = stored.get(pair, {})
            first, last = seen_now[pair]
            if seen:
                first, last = min(first, seen["first_seen_at"]), max(last, seen["last_seen_at"])
            times = (first, last)
            if pair in full:
                row, changes = rules.fold_environment(*pair, by_pair[pair], *times)
            elif pair in late:
                since = new[pair][0].order
                row, changes = rules.fold_environment(
                    *pair, window.window(conn, self.handled_table, pair, since, STATE_TYPES),
                    *times, start=window.start_before(conn, pair, since, seen))
            else:
                row, changes = rules.fold_environment(*pair, new[pair], *times, start=seen)
            rows.append(row)
            transitions += changes
        store.upsert(conn, "service_environments", PAIR, pairs, rows)
        store.delete_keys(conn, "service_transitions", PAIR, full)
        window.drop_transitions_from(conn, [(p, new[p][0].order) for p in late])
        store.insert(conn, "service_transitions", transitions)


PAIRS_IN = "({}) IN (SELECT * FROM unnest(%b::text[], %b::text[]))"


# One index probe per pair: the newest state event, read backwards along
# (service, environment, occurred_at, seq). DISTINCT ON read a pair's whole history instead,
# which made a delivery's cost grow with it.
LATEST_BEFORE = """
SELECT p.service, p.environment, l.occurred_at, l.seq
FROM unnest(%b::text[], %b::text[]) AS p(service, environment)
CROSS JOIN LATERAL (
    SELECT h.occurred_at, h.seq FROM services_handled_events h
    WHERE h.service = p.service AND h.environment = p.environment
      AND h.type = ANY(%b) AND h.seq <> ALL(%b)
    ORDER BY h.occurred_at DESC, h.seq DESC LIMIT 1) AS l
"""


def _latest_before(conn: psycopg.Connection, pairs: list[Key],
                   new_seqs: list[int]) -> dict[Key, Key]:
    """(event time, seq) of the latest state event handled before, per (service, env)."""
    # The backward index walk whatever the statistics say. Planned on a young table's
    # (about 2 rows a pair), each probe was a bitmap scan of the pair's whole history and a
    # sort: 1 ms a pair after 40 s of batches, growing with the history, and the platform's
    # intake fell from 3,800 to 1,900 events/s within a minute (docs/benchmarks.md).
    # Never prepared: planned with its values, `seq <> ALL(...)` is one hash lookup a row
    # walked; a prepared statement's generic plan compared each row with every new seq.
    conn.execute("SET LOCAL enable_bitmapscan = off")
    rows = conn.execute(LATEST_BEFORE, ([p[0] for p in pairs], [p[1] for p in pairs],
                                        STATE_TYPES, new_seqs), prepare=False).fetchall()
    conn.execute("SET LOCAL enable_bitmapscan = on")  # the rest of the batch as planned
    return {(s, e): (t, q) for s, e, t, q in rows}


# Any event naming a service moves its first/last seen times (and an implicit registration
# time) by least/greatest: commutative, so order-independent, and no history is read. Events
# that change more (registry and state types) are then recomputed in full. An environment a
# state event of the batch names is left to its fold, which writes its seen times too: one
# write of the row, not two. Rows are upserted in key order, services before environments,
# under the services' key locks. The events' keys and times are read from their handled rows
# (written just before, found by seq), not sent.
# The batch's handled rows, an index probe per seq (kept apart by OFFSET 0, as
# pts.projections.facts.BY_DEPLOYMENTS): `h.seq = ANY(...)` was planned on a young table's
# statistics as a scan of the whole table, growing with history (24 ms a batch after 40 s of
# load, 110,000 rows read for 875).
BY_SEQ = """unnest(%s::bigint[]) AS k(seq)
CROSS JOIN LATERAL (SELECT * FROM services_handled_events h WHERE h.seq = k.seq OFFSET 0) h"""
TOUCH_SERVICES = f"""
INSERT INTO services (service, registered_at, registered_implicitly, first_seen_at,
                      last_seen_at)
SELECT h.service, min(h.occurred_at), true, min(h.occurred_at), max(h.occurred_at)
FROM {BY_SEQ} WHERE h.service <> ''
GROUP BY h.service ORDER BY h.service
ON CONFLICT (service) DO UPDATE SET
    first_seen_at = least(services.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(services.last_seen_at, EXCLUDED.last_seen_at),
    registered_at = CASE WHEN services.registered_implicitly
        THEN least(services.registered_at, EXCLUDED.registered_at)
        ELSE services.registered_at END
"""
TOUCH_ENVIRONMENTS = f"""
INSERT INTO service_environments (service, environment, health, first_seen_at, last_seen_at)
SELECT h.service, h.environment, 'unknown', min(h.occurred_at), max(h.occurred_at)
FROM {BY_SEQ}
WHERE h.service <> '' AND h.environment <> ''
  AND (h.service, h.environment) IN (SELECT * FROM unnest(%s::text[], %s::text[]))
GROUP BY h.service, h.environment ORDER BY h.service, h.environment
ON CONFLICT (service, environment) DO UPDATE SET
    first_seen_at = least(service_environments.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(service_environments.last_seen_at, EXCLUDED.last_seen_at)
"""


def _seen(facts: list[Fact]) -> dict[Key, list[datetime]]:
    """Per (service, environment) the facts name, their earliest and latest event time (as
    TOUCH_ENVIRONMENTS takes them: both names non-empty)."""
    seen: dict[Key, list[datetime]] = {}
    for f in facts:
        pair = (f.get("service"), f.get("environment"))
        if not (isinstance(pair[0], str) and pair[0] and isinstance(pair[1], str) and pair[1]):
            continue
        times = seen.get(pair)
        if times is None:
            seen[pair] = [f.occurred_at, f.occurred_at]
        elif f.occurred_at < times[0]:
            times[0] = f.occurred_at
        elif f.occurred_at > times[1]:
            times[1] = f.occurred_at
    return seen


def _touch(conn: psycopg.Connection, facts: list[Fact], pairs: list[Key]) -> None:
    """Move the seen times of the facts' services, and of these of their environments (the
    others are written by the fold)."""
    seqs = seq_array(facts)
    conn.execute(TOUCH_SERVICES, (seqs,))
    if pairs:
        conn.execute(TOUCH_ENVIRONMENTS, (seqs, [p[0] for p in pairs], [p[1] for p in pairs]))


PROJECTION = Services()
