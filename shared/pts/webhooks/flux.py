"""Flux: the notification-controller's `generic` / `generic-hmac` event.

A Kustomization or HelmRelease that reconciled is a succeeded deployment of its revision;
an error event a failed one. The revision is read from the metadata key that ends with
`revision` (`revision`, `kustomize.toolkit.fluxcd.io/revision`, …), in either format:
`main/<sha>` or `main@sha1:<sha>`. An Alert's `eventMetadata` may name `service` and
`environment`; else the object's name and namespace are used.
"""

from __future__ import annotations

from typing import Any

from pts.config import Settings
from pts.webhooks.adapt import Adapted, Mapped, is_sha, obj, text, timestamp

DEPLOYERS = ("Kustomization", "HelmRelease")
SUCCEEDED = ("ReconciliationSucceeded", "InstallSucceeded", "UpgradeSucceeded")
STARTED = ("Progressing",)


def revision_of(metadata: dict[str, Any]) -> str | None:
    for key, value in metadata.items():
        if isinstance(key, str) and key.lower().endswith("revision") and text(value):
            return text(value)
    return None


def commit_of(revision: str | None) -> str | None:
    """The SHA of `main@sha1:<sha>` or `main/<sha>`; None for a chart version."""
    if not revision:
        return None
    tail = revision.rsplit(":", 1)[-1] if "@" in revision else revision.rsplit("/", 1)[-1]
    return tail if is_sha(tail) else None


def adapt(headers: dict[str, str], p: dict, settings: Settings) -> Adapted:
    involved = obj(p.get("involvedObject"))
    kind, name = text(involved.get("kind")) or "Unknown", text(involved.get("name")) or "unknown"
    namespace = text(involved.get("namespace")) or "flux-system"
    reason = text(p.get("reason")) or "Unknown"
    out = Adapted(f"io.fluxcd.{kind.lower()}.{reason}", f"{namespace}/{kind.lower()}/{name}",
                  time=timestamp(p.get("timestamp")), subject=name)
    metadata = obj(p.get("metadata"))
    revision = revision_of(metadata)
    if p.get("severity") == "error":
        status = "failed"
    elif reason in SUCCEEDED:
        status = "succeeded"
    elif reason in STARTED:
        status = "started"
    else:
        status = None
    if kind not in DEPLOYERS or status is None or not revision:
        out.note = f"Flux {kind} {reason} is kept, not projected"
        return out
    commit = commit_of(revision)
    data: dict[str, Any] = {"deployment_id": f"flux:{namespace}/{kind.lower()}/{name}@{revision}",
            "service": text(metadata.get("service")) or name,
            "environment": text(metadata.get("environment")) or namespace,
            "version": commit[:12] if commit else revision, "commit": commit}
    if status == "failed":
        data["reason"] = text(p.get("message")) or reason
    if status == "started":
        data["pipeline"] = {"name": text(p.get("reportingController")) or "flux"}
    out.mapped.append(Mapped(f"dev.pts.deployment.{status}",
                             {k: v for k, v in data.items() if v is not None}, out.time))
    return out
