"""What runs in one environment against another, per service (GET /environments/diff)."""

from __future__ import annotations

from typing import Any

from pts.db.rows import fetch
from pts.projections.imageref import parse_image

# What runs per (service, environment), as GET /environments shows it now: the current
# deployment, else what the service reported when it started; its commit from the
# deployment, else from the image's publication. `stopped` is the service's state when it
# stopped after that version began, or the service was decommissioned since.
RUNNING = """
SELECT c.service, c.environment, COALESCE(cd.version, se.version) AS version,
    COALESCE(cd.image, se.image) AS image, cd.image_digest,
    COALESCE(cd.since, se.version_since) AS since, d.commit,
    (se.state = 'stopped' AND se.state_since >= COALESCE(cd.since, se.version_since,
                                                        '-infinity')) OR
    (sv.decommissioned_at IS NOT NULL AND sv.decommissioned_at >=
        COALESCE(cd.since, se.version_since, '-infinity')) AS stopped
FROM (SELECT service, environment FROM current_deployments WHERE environment = ANY(%(envs)s)
      UNION SELECT service, environment FROM service_environments
      WHERE environment = ANY(%(envs)s)) AS c
LEFT JOIN current_deployments cd USING (service, environment)
LEFT JOIN service_environments se USING (service, environment)
LEFT JOIN services sv USING (service)
LEFT JOIN deployments d ON d.deployment_id = cd.deployment_id
"""

IMAGE_COMMITS = """
SELECT DISTINCT ON (digest) digest, commit FROM images
WHERE digest = ANY(%(digests)s) AND commit IS NOT NULL
ORDER BY digest, published_at NULLS LAST
"""


def _side(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """One side as the API shows it, or None where the service does not run."""
    if row is None or row["stopped"] or (row["version"] is None and row["image"] is None):
        return None
    digest = row["image_digest"]
    if digest is None and row["image"]:
        ref = parse_image(row["image"])
        digest = ref.digest if ref else None
    return {"version": row["version"], "image_digest": digest, "commit": row["commit"],
            "since": row["since"], "_image": row["image"]}


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Equal digests; without a digest on both sides, equal versions (then images)."""
    if a is None or b is None:
        return a is b
    if a["image_digest"] and b["image_digest"]:
        return a["image_digest"] == b["image_digest"]
    if a["version"] is not None or b["version"] is not None:
        return a["version"] == b["version"]
    return a["_image"] == b["_image"]


def diff(conn, source: str, target: str, everything: bool) -> list[dict[str, Any]]:
    """Per service named in either environment: each side and whether they are the same;
    only the differing services unless everything."""
    sides: dict[str, dict[str, dict | None]] = {}
    for row in fetch(conn, RUNNING, {"envs": [source, target]}):
        sides.setdefault(row["service"], {})[row["environment"]] = _side(row)
    digests = sorted({s["image_digest"] for pair in sides.values() for s in pair.values()
                      if s and s["image_digest"] and not s["commit"]})
    commits = {r["digest"]: r["commit"] for r in
               fetch(conn, IMAGE_COMMITS, {"digests": digests})} if digests else {}
    items = []
    for service in sorted(sides):
        a, b = sides[service].get(source), sides[service].get(target)
        for side in (a, b):
            if side is not None and side["commit"] is None:
                side["commit"] = commits.get(side["image_digest"])
        equal = same(a, b)
        if everything or not equal:
            items.append({"service": service, "same": equal, "from": a, "to": b})
    for item in items:
        for key in ("from", "to"):
            if item[key] is not None:
                item[key] = {k: v for k, v in item[key].items()  # type: ignore[attr-defined]
                             if k != "_image"}
    return items
