"""Argo CD: the payload of the notification templates docs/integrations.md gives, one per
trigger (on-sync-running, on-deployed, on-sync-failed, on-health-degraded).

Service and environment come from the Application's labels `pts.dev/service` and
`pts.dev/environment`, else its name and destination namespace.
"""

from __future__ import annotations

from typing import Any

from pts.config import Settings
from pts.webhooks.adapt import Adapted, Mapped, get, is_sha, obj, text, timestamp

KIND = {"on-sync-running": "started", "on-deployed": "succeeded", "on-sync-failed": "failed"}


def adapt(headers: dict[str, str], p: dict, settings: Settings) -> Adapted:
    event = text(p.get("event")) or "unknown"
    app, namespace = text(p.get("app")) or "unknown", text(p.get("namespace")) or "argocd"
    labels = obj(p.get("labels"))
    service = text(labels.get("pts.dev/service")) or app
    environment = text(labels.get("pts.dev/environment")) or \
        text(get(p, "destination", "namespace")) or text(get(p, "destination", "name"))
    out = Adapted(f"io.argoproj.argocd.{event}", f"{namespace}/{app}")
    operation = obj(p.get("operation"))
    revision = text(get(operation, "syncResult", "revision")) or text(p.get("revision"))
    if event == "on-health-degraded":
        out.mapped.append(Mapped("dev.pts.service.health_changed", {
            "service": service, "environment": environment, "status": "degraded",
            "reason": text(get(p, "health", "message")) or "Argo CD reports Degraded"}))
        return out
    if event not in KIND or not environment:
        out.note = f"Argo CD {event} is kept, not projected"
        return out
    kind = KIND[event]
    started = text(operation.get("startedAt"))
    out.time = timestamp(operation.get("finishedAt")) if kind != "started" else None
    out.time = out.time or timestamp(started)
    images = [i for i in p.get("images") or [] if isinstance(i, str)]
    image = images[0] if len(images) == 1 else None
    tag = image.split("@", 1)[0].rsplit(":", 1)[-1] if image and ":" in image.rsplit(
        "/", 1)[-1] else None
    data: dict[str, Any] = {"deployment_id": f"argocd:{namespace}/{app}:{started or revision}",
            "service": service, "environment": environment,
            "version": tag or (revision[:12] if revision else None),
            "commit": revision if is_sha(revision) else None, "image": image}
    if kind == "started":
        data["pipeline"] = {"name": "argocd", "run_id": started, "url": text(p.get("url"))}
    if kind == "failed":
        data["reason"] = text(operation.get("message")) or "sync failed"
    out.mapped.append(Mapped(f"dev.pts.deployment.{kind}",
                             {k: v for k, v in data.items() if v is not None}, out.time))
    return out
