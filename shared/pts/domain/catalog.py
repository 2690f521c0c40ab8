"""The event catalog: one pydantic model per CloudEvents type, selected by type.

Models allow extra fields: producers may send more than the catalog names, and the log keeps
all of it. Required fields come first in each model, as in docs/event-catalog.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

from pts.domain.cdevents.models import model_for_type
from pts.domain.timefmt import parse_rfc3339

PREFIX = "dev.pts."
PLATFORM_PREFIX = "dev.pts.platform."
# CDEvents (and their custom events): always taken; pts.domain.cdevents validates and maps them.
CDEVENTS_PREFIXES = ("dev.cdevents.", "dev.cdeventsx.")

Name = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]
Text = Annotated[str, StringConstraints(max_length=4096)]
Digest = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
]



def _rfc3339(value: str) -> str:
    parse_rfc3339(value)  # ValueError names what is wrong; the string is kept as sent
    return value


Time = Annotated[str, AfterValidator(_rfc3339),
                 WithJsonSchema({"type": "string", "format": "date-time"})]


class Data(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Pipeline(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name | None = None
    run_id: Name | None = None
    url: Text | None = None


class Change(BaseModel):
    """A change a deployment ships: its commit and when it was committed or merged."""

    model_config = ConfigDict(extra="allow")
    commit: Name
    time: Time


class DeploymentStarted(Data):
    deployment_id: Name
    service: Name
    environment: Name
    version: Name
    image: Text | None = None
    commit: Name | None = None
    pipeline: Pipeline | None = None
    actor: Name | None = None
    commit_time: Time | None = None
    changes: list[Change] | None = None


class DeploymentSucceeded(Data):
    deployment_id: Name
    service: Name
    environment: Name
    version: Name | None = None
    image: Text | None = None
    commit: Name | None = None
    commit_time: Time | None = None
    changes: list[Change] | None = None


class DeploymentFailed(Data):
    deployment_id: Name
    service: Name
    environment: Name
    reason: Text | None = None
    commit_time: Time | None = None
    changes: list[Change] | None = None


class DeploymentRolledBack(Data):
    deployment_id: Name
    service: Name
    environment: Name
    to_version: Name | None = None
    reason: Text | None = None
    commit_time: Time | None = None
    changes: list[Change] | None = None


class DeploymentCancelled(Data):
    deployment_id: Name
    service: Name
    environment: Name
    reason: Text | None = None
    commit_time: Time | None = None
    changes: list[Change] | None = None


class ServiceRegistered(Data):
    service: Name
    owner: Name | None = None
    repository: Text | None = None
    description: Text | None = None
    tier: Name | None = None


class ServiceStarted(Data):
    service: Name
    environment: Name
    version: Name | None = None
    image: Text | None = None
    instance: Name | None = None


class ServiceStopped(Data):
    service: Name
    environment: Name
    reason: Text | None = None


class Health(StrEnum):
    healthy = "healthy"
    degraded = "degraded"
    unhealthy = "unhealthy"
    unknown = "unknown"


class ServiceHealthChanged(Data):
    service: Name
    environment: Name
    status: Health
    reason: Text | None = None


class ServiceDecommissioned(Data):
    service: Name


class ImagePublished(Data):
    repository: Name
    digest: Digest
    tag: Name | None = None
    service: Name | None = None
    commit: Name | None = None


class ChangeMerged(Data):
    """A change merged. Without a data `time`, the event's own time is the merge time (a
    structured CloudEvent need not repeat it in its data)."""

    service: Name
    commit: Name
    time: Time | None = None
    url: Text | None = None


class IncidentOpened(Data):
    incident_id: Name
    service: Name
    environment: Name


class IncidentResolved(Data):
    incident_id: Name
    service: Name
    environment: Name


class PlatformData(Data):
    """dev.pts.platform.*: any JSON object, stored and searchable, not projected."""


CATALOG: dict[str, type[Data]] = {
    "dev.pts.deployment.started": DeploymentStarted,
    "dev.pts.deployment.succeeded": DeploymentSucceeded,
    "dev.pts.deployment.failed": DeploymentFailed,
    "dev.pts.deployment.rolled_back": DeploymentRolledBack,
    "dev.pts.deployment.cancelled": DeploymentCancelled,
    "dev.pts.service.registered": ServiceRegistered,
    "dev.pts.service.started": ServiceStarted,
    "dev.pts.service.stopped": ServiceStopped,
    "dev.pts.service.health_changed": ServiceHealthChanged,
    "dev.pts.service.decommissioned": ServiceDecommissioned,
    "dev.pts.image.published": ImagePublished,
    "dev.pts.change.merged": ChangeMerged,
    "dev.pts.incident.opened": IncidentOpened,
    "dev.pts.incident.resolved": IncidentResolved,
}

# What the `subject` of each kind of event names, filled in when a producer leaves it out.
SUBJECT_FIELD: dict[str, str] = {
    "dev.pts.deployment.": "deployment_id",
    "dev.pts.service.": "service",
    "dev.pts.image.": "digest",
    "dev.pts.change.": "commit",
    "dev.pts.incident.": "incident_id",
}


def full_type(type_: str) -> str:
    """The catalog type for a short form (`deployment.started`); other types unchanged."""
    if not type_.startswith(PREFIX) and PREFIX + type_ in CATALOG:
        return PREFIX + type_
    if type_.startswith("platform.") and len(type_) > len("platform."):
        return PREFIX + type_
    return type_


ANY_DATA = None
"""model_for's answer for an allowed foreign type: any data, stored as sent."""


class UnknownType(LookupError):
    """A type that is neither in the catalog nor allowed by PTS_FOREIGN_TYPES."""


def model_for(type_: str,
              foreign_types: list[str] | tuple[str, ...] = ()) -> type[BaseModel] | None:
    """The data model for a type, ANY_DATA for an allowed foreign type; else UnknownType."""
    if type_ in CATALOG:
        return CATALOG[type_]
    if type_.startswith(PLATFORM_PREFIX) and len(type_) > len(PLATFORM_PREFIX):
        return PlatformData
    if type_.startswith(CDEVENTS_PREFIXES):
        return model_for_type(type_)
    if not type_.startswith(PREFIX) and any(type_.startswith(p) for p in foreign_types):
        return ANY_DATA
    raise UnknownType(type_)


def subject_for(type_: str, data: Any) -> str | None:
    """The subject the catalog gives an event of this type, from its data."""
    if not isinstance(data, dict):
        return None
    for prefix, field in SUBJECT_FIELD.items():
        if type_.startswith(prefix):
            value = data.get(field)
            return value if isinstance(value, str) else None
    return None
