"""GET /images: images by repository, tag or digest; when each was published, which tags
pointed at it, and where and when it ran."""

from __future__ import annotations

from typing import Any

from pts.search import schemas as s
from pts.search.db import fetch, reading, times
from pts.search.events import CURSOR, LIMIT
from pts.search.keyset import Page, where_sql
from pts.search.params import Param, parse_query
from pts.search.routes import Context

TAG = {"tag": s.TEXT, "from_at": s.TIME, "to_at": s.TIME_OR_NULL}
RUN = {"service": s.TEXT, "environment": s.TEXT, "image": s.TEXT, "tag": s.TEXT_OR_NULL,
       "from_at": s.TIME, "to_at": {**s.TIME_OR_NULL, "description": "null: still running"}}
s.item("ImageTag", TAG, "A tag that pointed at the image, from when to when.")
s.item("ImageRun", RUN, "Where the image ran, from when to when.")
s.item("Image", {
    "repository": s.TEXT, "digest": s.TEXT, "published_at": s.TIME_OR_NULL,
    "first_seen_at": s.TIME_OR_NULL, "commit": s.TEXT_OR_NULL, "service": s.TEXT_OR_NULL,
    "tags": {"type": "array", "items": s.ref("ImageTag")},
    "runs": {"type": "array", "items": s.ref("ImageRun")},
}, "An image (repository and digest): publication, tags, and where it ran.")
s.listing("ImageList", "Image")

# Images published, and images that ran without a publication event.
BASE = """SELECT k.repository, k.digest, i.published_at, i.first_seen_at, i.commit, i.service
FROM (SELECT repository, digest FROM images
      UNION SELECT repository, digest FROM image_runs WHERE digest IS NOT NULL) AS k
LEFT JOIN images i USING (repository, digest)"""
HAS_TAG = """(EXISTS (SELECT 1 FROM image_tags t WHERE t.repository = k.repository
    AND t.digest = k.digest AND t.tag = %(tag)s) OR EXISTS (SELECT 1 FROM image_runs r
    WHERE r.repository = k.repository AND r.digest = k.digest AND r.tag = %(tag)s))"""
RAN_IN = """EXISTS (SELECT 1 FROM image_runs r WHERE r.repository = k.repository
    AND r.digest = k.digest {extra})"""
KEYS = "(repository, digest) IN (SELECT * FROM unnest(%(repos)s::text[], %(digests)s::text[]))"

PARAMS = [
    Param("repository", "Repository (`ghcr.io/acme/api`), exactly."),
    Param("tag", "A tag that pointed at the image (published or deployed with it)."),
    Param("digest", "Digest (`sha256:...`), exactly."),
    Param("service", "Only images that ran for this service."),
    Param("environment", "Only images that ran in this environment."),
    LIMIT, CURSOR,
]


def list_images(ctx: Context) -> dict[str, Any]:
    """Images by repository then digest, each with its tags and runs."""
    f = parse_query(ctx.args, PARAMS)
    conds, params = [], {}
    for name in ("repository", "digest"):
        if f[name]:
            conds.append(f"k.{name} = %({name})s")
            params[name] = f[name]
    if f["tag"]:
        conds.append(HAS_TAG)
        params["tag"] = f["tag"]
    ran = [f" AND r.{name} = %({name})s" for name in ("service", "environment") if f[name]]
    if ran:
        conds.append(RAN_IN.format(extra="".join(ran)))
        params.update({n: f[n] for n in ("service", "environment") if f[n]})
    page = Page("images", f, ("k.repository", "k.digest"), ("text", "text"), descending=False)
    secret = ctx.cursor_secret
    page.resume(secret, conds, params)
    with reading(ctx.settings) as conn:
        rows, next_cursor = page.run(conn, BASE + where_sql(conds), params, secret,
                                     lambda r: (r["repository"], r["digest"]))
        keys = {"repos": [r["repository"] for r in rows], "digests": [r["digest"] for r in rows]}
        tags = fetch(conn, "SELECT repository, digest, tag, from_at, to_at FROM image_tags "
                     f"WHERE {KEYS} ORDER BY from_at, tag", keys)
        runs = fetch(conn, "SELECT repository, digest, service, environment, image, tag, "
                     f"from_at, to_at FROM image_runs WHERE {KEYS} ORDER BY from_at, service, "
                     "environment", keys)
    items = {(r["repository"], r["digest"]): {**times(r, "published_at", "first_seen_at"),
                                              "tags": [], "runs": []} for r in rows}
    for name, found in (("tags", tags), ("runs", runs)):
        for r in found:
            key = (r.pop("repository"), r.pop("digest"))
            items[key][name].append(times(r, "from_at", "to_at"))
    return {"items": list(items.values()), "next_cursor": next_cursor}
