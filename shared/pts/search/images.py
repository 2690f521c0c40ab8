"""GET /images: images by repository, tag or digest; when each was published, which tags
pointed at it, and where and when it ran."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pts.http.answers import answer, columns_of, listing
from pts.projections.models import Image, ImageRun, ImageTag
from pts.search.db import fetch_all, reading, times
from pts.search.pagination import Keyset, Page
from pts.search.params import ListQuery, Text
from pts.search.routes import Context

Tag = answer("ImageTag", "A tag that pointed at the image, from when to when.",
             columns_of(ImageTag, ("tag", "from_at", "to_at")))
Run = answer("ImageRun", "Where the image ran, from when to when.", columns_of(
    ImageRun, ("service", "environment", "image", "tag", "from_at", "to_at"),
    descriptions={"to_at": "null: still running"}))
ImageAnswer = answer("Image", "An image (repository and digest): publication, tags, and "
                     "where it ran.", {
                         **columns_of(Image, ("repository", "digest")),
                         # Images that ran without a publication event have no row of their own.
                         **columns_of(Image, ("published_at", "first_seen_at", "commit",
                                              "service"), nullable=True),
                         "tags": (list[Tag], Field()),  # type: ignore[valid-type]
                         "runs": (list[Run], Field())})  # type: ignore[valid-type]
ImageList = listing("ImageList", ImageAnswer)
KEYSET = Keyset("images", ("k.repository", "k.digest"), ("text", "text"))

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


class ImageQuery(ListQuery):
    repository: Text | None = Field(None, description="Repository (`ghcr.io/acme/api`), "
                                    "exactly.")
    tag: Text | None = Field(None, description="A tag that pointed at the image (published "
                             "or deployed with it).")
    digest: Text | None = Field(None, description="Digest (`sha256:...`), exactly.")
    service: Text | None = Field(None, description="Only images that ran for this service.")
    environment: Text | None = Field(None, description="Only images that ran in this "
                                     "environment.")


def list_images(ctx: Context, f: ImageQuery) -> dict[str, Any]:
    """Images by repository then digest, each with its tags and runs."""
    conds, params = [], {}
    for name in ("repository", "digest"):
        if getattr(f, name):
            conds.append(f"k.{name} = %({name})s")
            params[name] = getattr(f, name)
    if f.tag:
        conds.append(HAS_TAG)
        params["tag"] = f.tag
    ran = {n: getattr(f, n) for n in ("service", "environment") if getattr(f, n)}
    if ran:
        conds.append(RAN_IN.format(extra="".join(f" AND r.{n} = %({n})s" for n in ran)))
        params.update(ran)
    page = Page(KEYSET, f, ctx.cursor_secret)
    with reading(ctx.settings, batched=True) as conn:
        rows, next_cursor = page.run(conn, BASE, conds, params)
        keys = {"repos": [r["repository"] for r in rows], "digests": [r["digest"] for r in rows]}
        tags, runs = fetch_all(conn, [  # one round trip for both
            ("SELECT repository, digest, tag, from_at, to_at FROM image_tags "
             f"WHERE {KEYS} ORDER BY from_at, tag", keys),
            ("SELECT repository, digest, service, environment, image, tag, from_at, to_at "
             f"FROM image_runs WHERE {KEYS} ORDER BY from_at, service, environment", keys)])
    items = {(r["repository"], r["digest"]): {**times(r, "published_at", "first_seen_at"),
                                              "tags": [], "runs": []} for r in rows}
    for name, found in (("tags", tags), ("runs", runs)):
        for r in found:
            key = (r.pop("repository"), r.pop("digest"))
            items[key][name].append(times(r, "from_at", "to_at"))
    return {"items": list(items.values()), "next_cursor": next_cursor}
