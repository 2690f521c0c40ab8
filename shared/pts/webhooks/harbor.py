"""Harbor: PUSH_ARTIFACT (an image published) and DELETE_ARTIFACT (kept as
dev.pts.platform.image.deleted), one PTS event per resource of the payload."""

from __future__ import annotations

from pts.config import Settings
from pts.webhooks.adapt import Adapted, Mapped, get, image_repository, text, timestamp

TYPES = {"PUSH_ARTIFACT": "dev.pts.image.published",
         "DELETE_ARTIFACT": "dev.pts.platform.image.deleted"}


def adapt(headers: dict[str, str], p: dict, settings: Settings) -> Adapted:
    kind = text(p.get("type")) or "UNKNOWN"
    repo = get(p, "event_data", "repository") or {}
    full_name = text(repo.get("repo_full_name")) or "harbor"
    out = Adapted(f"io.goharbor.{kind.lower()}", full_name, time=timestamp(p.get("occur_at")))
    if kind not in TYPES:
        out.note = f"Harbor {kind} events are kept, not projected"
        return out
    for resource in get(p, "event_data", "resources") or []:
        digest = text(get(resource, "digest"))
        url = text(get(resource, "resource_url"))
        if not digest:
            continue
        data = {"repository": image_repository(url) if url else full_name, "digest": digest}
        if text(resource.get("tag")):
            data["tag"] = resource["tag"]
        out.mapped.append(Mapped(TYPES[kind], data, out.time))
    if not out.mapped:
        out.note = "no resource with a digest"
    return out
