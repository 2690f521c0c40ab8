"""The CNCF Distribution registry's notifications
(`application/vnd.docker.distribution.events.v2+json`): each manifest push is an image
published, as `<request host>/<repository>`. Blob pushes, pulls and deletes are kept only."""

from __future__ import annotations

from pts.config import Settings
from pts.webhooks.adapt import Adapted, Mapped, get, text, timestamp

MANIFEST_TYPES = ("manifest", "image.index")


def adapt(headers: dict[str, str], p: dict, settings: Settings) -> Adapted:
    events = [e for e in p.get("events") or [] if isinstance(e, dict)]
    host = next((text(get(e, "request", "host")) for e in events
                 if text(get(e, "request", "host"))), None) or "registry"
    out = Adapted("org.cncf.distribution.events", host,
                  time=timestamp(get(events, 0, "timestamp")) if len(events) == 1 else None)
    for event in events:
        target = event.get("target") or {}
        media = text(target.get("mediaType")) or ""
        if event.get("action") != "push" or not any(m in media for m in MANIFEST_TYPES):
            continue
        digest, repository = text(target.get("digest")), text(target.get("repository"))
        if not digest or not repository:
            continue
        event_host = text(get(event, "request", "host")) or host
        data = {"repository": f"{event_host}/{repository}", "digest": digest}
        if text(target.get("tag")):
            data["tag"] = target["tag"]
        out.mapped.append(Mapped("dev.pts.image.published", data,
                                 timestamp(event.get("timestamp"))))
    if not out.mapped:
        out.note = "no manifest push in this notification"
    return out
