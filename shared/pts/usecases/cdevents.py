"""CDEvents onto the PTS catalog (docs/integrations.md has the table).

The CDEvent itself is stored as sent; each event it maps onto is stored beside it, with the
same source and time, the id `<CDEvent id>#<catalog type>` and the extensions
`ptsoriginid` / `ptsorigintype` naming the CDEvent. Types not mapped here (environment,
pipelinerun, every other subject) are stored and searchable only.
"""

from __future__ import annotations

from typing import Any

from pts.domain.cdevents import purl
from pts.domain.cdevents.models import CONTENT, parse_type
from pts.domain.envelope import Envelope
from pts.usecases.mapped import derived


def _get(doc: Any, *path: str) -> Any:
    for name in path:
        doc = doc.get(name) if isinstance(doc, dict) else None
    return doc


def _artifact(artifact_id: str) -> dict[str, str]:
    """version (tag, else digest, else the purl's version) and image of a service's artifact."""
    image = purl.oci_image(artifact_id)
    if image is not None:
        return {"version": image.tag or image.digest, "image": image.reference}
    parsed = purl.parse(artifact_id)
    return {"version": parsed.version if parsed and parsed.version else artifact_id}


def _service(event: dict, context: dict, subject: dict, predicate: str) -> list[tuple]:
    content = subject.get("content") or {}
    service, environment = subject["id"], _get(content, "environment", "id")
    if predicate == "published":
        return [("dev.pts.service.registered", {"service": service})]
    if environment is None:
        return []
    if predicate == "removed":
        return [("dev.pts.service.stopped", {"service": service, "environment": environment,
                                             "reason": "removed (CDEvents service.removed)"})]
    artifact = _artifact(content["artifactId"])
    base = {"deployment_id": context["id"], "service": service, "environment": environment}
    if predicate == "rolledback":
        return [("dev.pts.deployment.rolled_back",
                 {**base, "to_version": artifact["version"], **artifact})]
    return [("dev.pts.deployment.succeeded", {**base, **artifact})]


def _artifact_event(event: dict, context: dict, subject: dict, predicate: str) -> list[tuple]:
    if predicate not in ("packaged", "published"):
        return []
    image = purl.oci_image(subject["id"])
    if image is None:
        return []
    data = {"repository": image.repository, "digest": image.digest}
    if image.tag:
        data["tag"] = image.tag
    return [("dev.pts.image.published", data)]


def _incident(event: dict, context: dict, subject: dict, predicate: str) -> list[tuple]:
    content = subject.get("content") or {}
    service = _get(content, "service", "id")
    if service is None:
        return []  # PTS's incidents belong to a service: kept, not counted
    type_ = "dev.pts.incident.resolved" if predicate == "resolved" else "dev.pts.incident.opened"
    return [(type_, {"incident_id": subject["id"], "service": service,
                     "environment": content["environment"]["id"]})]


def _change(event: dict, context: dict, subject: dict, predicate: str) -> list[tuple]:
    given = event.get("customData")
    custom: dict[str, Any] = given if isinstance(given, dict) else {}
    repository = _get(subject, "content", "repository", "id")
    service = custom.get("service") or (repository.rstrip("/").rsplit("/", 1)[-1]
                                        if isinstance(repository, str) else None)
    if predicate != "merged" or not isinstance(service, str) or not service:
        return []
    commit = custom.get("commit") or custom.get("sha") or subject["id"]
    data = {"service": service, "commit": str(commit), "time": context["timestamp"]}
    if isinstance(custom.get("url"), str):
        data["url"] = custom["url"]
    return [("dev.pts.change.merged", data)]


MAPPERS = {"service": _service, "artifact": _artifact_event, "incident": _incident,
           "change": _change}


def derive(env: Envelope) -> list[dict]:
    """The raw catalog events a stored CDEvent maps onto (none when PTS does not map it)."""
    if not env.type.startswith("dev.cdevents."):
        return []  # ingest's hot path: most events are no CDEvents
    key, spec = parse_type(env.type)
    if key not in CONTENT or spec is None or key[0] not in MAPPERS:
        return []
    event = env.data
    out = MAPPERS[key[0]](event, event["context"], event["subject"], key[1])
    time = event["context"]["timestamp"]
    return [derived(env, type_, data, index, time) for index, (type_, data) in enumerate(out)]
