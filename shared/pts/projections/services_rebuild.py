"""The services projection rebuilt from the log in sets (`pts replay`): one statement per
table, window functions over each key's events in (event time, seq) order.

- services: last non-null registry fields, first `registered` (or first seen), the last
  `decommissioned` unless a `registered` came after it;
- service_transitions: a state or health event whose value differs from the previous event
  of the same kind (lag) is a transition from that value;
- service_environments: the last transition of each kind, the versions reported by
  `started` events (version_since: where the last run of equal versions began).
"""

from __future__ import annotations

import psycopg

from pts.projections.phases import phase

HANDLED = """
INSERT INTO services_handled_events (source, id, seq, occurred_at, type, service, environment)
SELECT e.source, e.id, e.seq, e.occurred_at, e.type, e.data->>'service',
       CASE WHEN e.data->>'service' <> '' THEN e.data->>'environment' END
FROM platform_events e WHERE e.type = ANY(%s) AND e.seq NOT IN (SELECT seq FROM replay_skipped)
"""


def _events(types: str) -> str:
    """The handled events of these types (an SQL list) with their data. The type is
    filtered on both sides: the join hashes the matching log rows only, not the log."""
    return f"""
SELECT h.service AS s, h.environment AS env, h.seq, h.occurred_at AS t, h.type,
       split_part(h.type, '.', 4) AS kind, e.data AS d, h.source, h.id
FROM services_handled_events h JOIN platform_events e ON e.seq = h.seq AND e.type IN {types}
WHERE h.type IN {types}"""


NEW = "ORDER BY t DESC, seq DESC"
REGISTRY_TYPES = "('dev.pts.service.registered', 'dev.pts.service.decommissioned')"
STATE_TYPES = "('dev.pts.service.started', 'dev.pts.service.stopped', " \
    "'dev.pts.service.health_changed')"

# Seen times from the handled rows alone; the registry fields from the registry events.
SERVICES = f"""
INSERT INTO services (service, owner, repository, description, tier, registered_at,
                      registered_implicitly, decommissioned_at, first_seen_at, last_seen_at)
SELECT s.service, r.owner, r.repository, r.description, r.tier,
       coalesce(r.registered_at, s.first_seen), r.registered_at IS NULL,
       r.decommissioned_at, s.first_seen, s.last_seen
FROM (SELECT service, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen
      FROM services_handled_events WHERE service <> '' GROUP BY service) s
LEFT JOIN (
    SELECT s AS service,
        (array_agg(d->>'owner' {NEW}) FILTER (WHERE kind = 'registered'
                                              AND d->>'owner' IS NOT NULL))[1] AS owner,
        (array_agg(d->>'repository' {NEW}) FILTER (WHERE kind = 'registered'
                                                   AND d->>'repository' IS NOT NULL))[1]
            AS repository,
        (array_agg(d->>'description' {NEW}) FILTER (WHERE kind = 'registered'
                                                    AND d->>'description' IS NOT NULL))[1]
            AS description,
        (array_agg(d->>'tier' {NEW}) FILTER (WHERE kind = 'registered'
                                             AND d->>'tier' IS NOT NULL))[1] AS tier,
        min(t) FILTER (WHERE kind = 'registered') AS registered_at,
        (array_agg(CASE WHEN kind = 'decommissioned' THEN t END {NEW}))[1]
            AS decommissioned_at
    FROM ({_events(REGISTRY_TYPES)} AND h.service <> '') ev
    GROUP BY s
) r ON r.service = s.service
"""


TRANSITIONS = f"""
INSERT INTO service_transitions (service, environment, kind, from_value, to_value, at, reason,
                                 event_seq, event_source, event_id)
SELECT s, env, k, prev, val, t, reason, seq, source, id
FROM (SELECT *, lag(val) OVER (PARTITION BY s, env, k ORDER BY t, seq) AS prev
      FROM (SELECT ev.*, CASE WHEN kind = 'health_changed' THEN 'health' ELSE 'state' END AS k,
                   CASE kind WHEN 'started' THEN 'running' WHEN 'stopped' THEN 'stopped'
                        ELSE coalesce(d->>'status', 'None') END AS val,
                   d->>'reason' AS reason  -- not the whole document through the sort
            FROM ({_events(STATE_TYPES)} AND h.service <> '') ev) v) l
WHERE prev IS DISTINCT FROM val
"""

ENVIRONMENTS = f"""
INSERT INTO service_environments (service, environment, state, state_since, health,
                                  health_since, version, image, instance, version_since,
                                  first_seen_at, last_seen_at)
SELECT p.s, p.env, st.to_value, st.at, coalesce(he.to_value, 'unknown'), he.at,
       r.version, r.image, r.instance, r.version_since, p.first_seen, p.last_seen
FROM (SELECT service AS s, environment AS env, min(occurred_at) AS first_seen,
             max(occurred_at) AS last_seen
      FROM services_handled_events WHERE service <> '' AND environment <> ''
      GROUP BY service, environment) p
LEFT JOIN (SELECT DISTINCT ON (service, environment) service, environment, to_value, at
           FROM service_transitions WHERE kind = 'state'
           ORDER BY service, environment, at DESC, event_seq DESC) st
       ON st.service = p.s AND st.environment = p.env
LEFT JOIN (SELECT DISTINCT ON (service, environment) service, environment, to_value, at
           FROM service_transitions WHERE kind = 'health'
           ORDER BY service, environment, at DESC, event_seq DESC) he
       ON he.service = p.s AND he.environment = p.env
LEFT JOIN (
    SELECT s, env,
        (array_agg(v {NEW}) FILTER (WHERE v IS NOT NULL))[1] AS version,
        max(t) FILTER (WHERE v IS NOT NULL AND pv IS DISTINCT FROM v) AS version_since,
        (array_agg(d->>'image' {NEW}) FILTER (WHERE d->>'image' IS NOT NULL))[1] AS image,
        (array_agg(d->>'instance' {NEW}) FILTER (WHERE d->>'instance' IS NOT NULL))[1]
            AS instance
    FROM (SELECT ev.*, d->>'version' AS v,
                 lag(d->>'version') OVER (PARTITION BY s, env, d->>'version' IS NOT NULL
                                          ORDER BY t, seq) AS pv
          FROM ({_events("('dev.pts.service.started')")} AND h.service <> '') ev) x
    GROUP BY s, env
) r ON r.s = p.s AND r.env = p.env
"""


def rebuild(conn: psycopg.Connection, types: list[str]) -> None:
    """Fill the (empty) tables from the log's accepted events (not in replay_skipped)."""
    with phase("services handled"):
        conn.execute(HANDLED, (types,))
        conn.execute("ANALYZE services_handled_events")  # row counts for the joins below
    for name, statement in (("services", SERVICES), ("transitions", TRANSITIONS),
                            ("environments", ENVIRONMENTS)):
        with phase(f"services {name}"):
            conn.execute(statement)
