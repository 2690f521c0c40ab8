"""Image references split in SQL, exactly as `imageref.parse_image` splits them in Python:
`repository[:tag][@digest]`, a registry port (`host:5000/app`) is not a tag, and a reference
that is not a non-empty string, or has no repository, is no reference (all columns null)."""

from __future__ import annotations

import psycopg


def parts(expr: str, alias: str) -> str:
    """A LEFT JOIN LATERAL giving `alias`.ref (the text, when it parses), .repository, .tag,
    .digest and .identity (what makes two references the same image) of the jsonb `expr`."""
    return f"""
LEFT JOIN LATERAL (
    SELECT CASE WHEN ok THEN ref END AS ref, CASE WHEN ok THEN repository END AS repository,
           CASE WHEN ok THEN tag END AS tag, CASE WHEN ok THEN digest END AS digest,
           CASE WHEN NOT ok THEN NULL WHEN digest IS NOT NULL THEN repository || '@' || digest
                WHEN tag IS NOT NULL THEN repository || ':' || tag ELSE repository END
               AS identity
    FROM (SELECT ref, coalesce(m[1], name) AS repository, nullif(m[2], '') AS tag, digest,
                 coalesce(m[1], name) <> '' AS ok
          FROM (SELECT ref, name, digest, regexp_match(name, '^(.*):([^:/]*)$') AS m
                FROM (SELECT ref, split_part(ref, '@', 1) AS name,
                             CASE WHEN strpos(ref, '@') > 0
                                  THEN nullif(substr(ref, strpos(ref, '@') + 1), '') END
                                 AS digest
                      FROM (SELECT CASE WHEN jsonb_typeof({expr}) = 'string'
                                        THEN nullif({expr} #>> '{{}}', '') END AS ref) r
                      ) n) s) x
) {alias} ON true
"""


DISTINCT = """
CREATE TEMP TABLE replay_images ON COMMIT DROP AS
SELECT x.image, i.ref, i.repository, i.tag, i.digest, i.identity
FROM (SELECT DISTINCT data->'image' AS image FROM platform_events
      WHERE type = ANY(%s) AND data ? 'image') x
{parts}
"""


def parse_distinct(conn: psycopg.Connection, types: list[str]) -> None:
    """Temp table replay_images (dropped at commit): every distinct `image` of the events of
    these types, split once (image references repeat: one per version, not per event)."""
    conn.execute("DROP TABLE IF EXISTS replay_images")
    conn.execute(DISTINCT.format(parts=parts("x.image", "i")), (types,))
    conn.execute("CREATE UNIQUE INDEX ON replay_images (image)")
    conn.execute("ANALYZE replay_images")
