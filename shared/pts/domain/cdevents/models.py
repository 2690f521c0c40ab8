"""PTS's own models of the CDEvents it maps, written from the CDEvents specification
(v0.4: events 0.2.x; v0.5: events 0.3.x), and a generic model for every other CDEvent.

The required fields, their types and enums are the specification's; tests check the models
against the official JSON schemas. Unlike those schemas, the models accept extra fields: a
producer one patch release ahead must not be refused, and the log keeps all of it anyway.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    create_model,
    model_validator,
)

from pts.domain.timefmt import parse_rfc3339

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
TYPE = re.compile(r"^dev\.cdevents(x)?\.([a-zA-Z0-9-]+)\.([a-zA-Z]+)\.(\d+)\.(\d+)\.(\d+)(-.*)?$")


def _timestamp(value: str) -> str:
    parse_rfc3339(value)
    return value


Timestamp = Annotated[str, AfterValidator(_timestamp)]
Outcome05 = Literal["success", "failure", "cancel", "error"]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Ref(Model):
    """A reference to another subject: environment, service, change, repository."""

    id: NonEmpty
    source: NonEmpty | None = None


class Sbom(Model):
    uri: NonEmpty


class _Context(Model):
    id: NonEmpty
    source: NonEmpty
    timestamp: Timestamp
    schemaUri: NonEmpty | None = None  # noqa: N815 (the specification's names)
    chainId: NonEmpty | None = None  # noqa: N815
    links: list[dict[str, Any]] | None = None


class Context05(_Context):
    specversion: NonEmpty


class Context04(_Context):
    version: NonEmpty


class AnyContext(_Context):
    """The context of a CDEvent PTS does not map: v0.5's specversion or v0.4's version."""

    specversion: NonEmpty | None = None
    version: NonEmpty | None = None

    @model_validator(mode="after")
    def _some_version(self) -> AnyContext:
        if self.specversion is None and self.version is None:
            raise ValueError("a CDEvent context has specversion (v0.5) or version (v0.4)")
        return self


# subject -> predicate -> (content fields of v0.5, changes in v0.4). A field is
# (type, required). v0.4 names a URL `url` where v0.5 says `uri`, and has no outcome enum.
_ENV_REQUIRED = (Ref, True)
CONTENT: dict[tuple[str, str], dict[str, tuple[Any, bool]]] = {
    ("service", "deployed"): {"environment": _ENV_REQUIRED, "artifactId": (NonEmpty, True)},
    ("service", "upgraded"): {"environment": _ENV_REQUIRED, "artifactId": (NonEmpty, True)},
    ("service", "rolledback"): {"environment": _ENV_REQUIRED, "artifactId": (NonEmpty, True)},
    ("service", "removed"): {"environment": (Ref, False)},
    ("service", "published"): {"environment": (Ref, False)},
    ("artifact", "packaged"): {"change": (Ref, True), "sbom": (Sbom, False)},
    ("artifact", "published"): {"sbom": (Sbom, False), "user": (str, False)},
    ("environment", "created"): {"name": (str, False), "uri": (str, False)},
    ("environment", "modified"): {"name": (str, False), "uri": (str, False)},
    ("environment", "deleted"): {"name": (str, False)},
    ("pipelinerun", "started"): {"pipelineName": (str, True), "uri": (str, True)},
    ("pipelinerun", "finished"): {"pipelineName": (str, False), "uri": (str, False),
                                  "outcome": (Outcome05, False), "errors": (str, False)},
    ("incident", "detected"): {"description": (str, False), "environment": _ENV_REQUIRED,
                               "service": (Ref, False), "artifactId": (str, False)},
    ("incident", "reported"): {"description": (str, False), "environment": _ENV_REQUIRED,
                               "ticketURI": (str, True), "service": (Ref, False),
                               "artifactId": (str, False)},
    ("incident", "resolved"): {"description": (str, False), "environment": _ENV_REQUIRED,
                               "service": (Ref, False), "artifactId": (str, False)},
    ("change", "merged"): {"repository": (Ref, False)},
}
SPEC_OF_EVENT_VERSION = {"0.2": "0.4", "0.3": "0.5"}  # event version (major.minor) -> spec
# The subject's `type` v0.4 requires: the subject's name in camel case.
SUBJECT_TYPE = {"pipelinerun": "pipelineRun"}


def _v04(fields: dict[str, tuple[Any, bool]]) -> dict[str, tuple[Any, bool]]:
    out = {}
    for name, (kind, required) in fields.items():
        if name == "uri":
            name = "url"
        out[name] = (str if kind is Outcome05 else kind, required)
    return out


def _fields(spec: dict[str, tuple[Any, bool]]) -> dict[str, Any]:
    return {name: (kind, ...) if required else (kind | None, None)
            for name, (kind, required) in spec.items()}


def _literal(value: str) -> Any:
    """Literal[value] for a value known only at run time (written as a subscription, it would
    name a variable, which a type checker rightly refuses)."""
    return Literal.__getitem__(value)


@functools.lru_cache(maxsize=256)
def model_for_type(type_: str) -> type[BaseModel]:
    """The model of a CDEvent of this type: the event's own when PTS maps it, else the
    generic model (context and subject present, whatever the content)."""
    key, spec = parse_type(type_)
    mapped = key if key in CONTENT and spec is not None else None
    context: type[_Context] = (AnyContext if mapped is None else
                               Context04 if spec == "0.4" else Context05)
    context_model = create_model("Context", __base__=context, type=(_literal(type_), ...))
    content: Any = dict[str, Any]
    subject_extra: dict[str, Any] = {}
    if mapped is not None:
        fields = CONTENT[mapped] if spec == "0.5" else _v04(CONTENT[mapped])
        content = create_model(f"{mapped[0]}_{mapped[1]}_content", __base__=Model,
                               **_fields(fields))
        subject_type = SUBJECT_TYPE.get(mapped[0], mapped[0])
        subject_extra = ({"type": (_literal(subject_type), ...)}
                         if spec == "0.4" else {})
    subject = create_model("Subject", __base__=Model, id=(NonEmpty, ...),
                           source=(NonEmpty | None, None), content=(content, ...),
                           **subject_extra)
    return create_model(
        "CDEvent", __base__=Model, context=(context_model, ...), subject=(subject, ...),
        customData=(dict[str, Any] | str | None, None),
        customDataContentType=(str | None, None),
    )


def parse_type(type_: str) -> tuple[tuple[str, str] | None, str | None]:
    """((subject, predicate), spec version "0.4"/"0.5") of a CDEvents type; None parts when
    the type is custom, malformed, or of a version PTS does not map."""
    m = TYPE.match(type_)
    if not m or m.group(1):
        return None, None
    spec = SPEC_OF_EVENT_VERSION.get(f"{m.group(4)}.{m.group(5)}")
    return (m.group(2), m.group(3)), spec
