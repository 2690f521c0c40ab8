"""SQLModel tables of the projections (schema: migrations/versions/0003_projections.py).

Read models: only the handlers and `pts replay` write them, and any of them can be rebuilt
from the log. Columns are only ever added, never renamed: the search function reads them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Text, false, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


# Fresh Field objects per use (sa_type, not sa_column): a Column cannot be shared by tables.
def _ts(nullable: bool = True, now: bool = False) -> Any:
    kwargs = {"server_default": func.now()} if now else {}
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable,
                 sa_column_kwargs=kwargs)


def _flag() -> Any:
    return Field(default=False, sa_column_kwargs={"server_default": false()})


def _key() -> Any:
    return Field(sa_type=Text, primary_key=True)


def _seq(primary_key: bool = False) -> Any:
    return Field(sa_type=BigInteger, primary_key=primary_key, nullable=False)


class _Handled(SQLModel):
    """What every handler records per event it has acted on (one table per handler)."""

    source: str = _key()
    id: str = _key()
    seq: int = _seq()
    occurred_at: datetime = _ts(False)
    type: str
    handled_at: datetime | None = _ts(False, now=True)


class DeploymentHandledEvent(_Handled, table=True):
    __tablename__ = "deployments_handled_events"
    __table_args__ = (
        Index("deployments_handled_events_seq_idx", "seq"),
        Index("deployments_handled_events_deployment_id_idx", "deployment_id"),
        Index("deployments_handled_events_service_environment_idx", "service", "environment"),
    )
    deployment_id: str
    service: str
    environment: str


class Deployment(SQLModel, table=True):
    """One row per deployment id."""

    __tablename__ = "deployments"
    __table_args__ = (
        Index("deployments_service_environment_first_event_at_idx", "service", "environment",
              "first_event_at"),
        Index("deployments_environment_finished_at_idx", "environment", "finished_at"),
        # Migration 0014 (search): the lists' order, alone, by status, by digest.
        Index("deployments_first_event_at_deployment_id_idx", "first_event_at",
              "deployment_id"),
        Index("deployments_status_first_event_at_deployment_id_idx", "status",
              "first_event_at", "deployment_id"),
        Index("deployments_image_digest_idx", "image_digest"),
        # Migration 0009 (insights).
        Index("deployments_service_environment_finished_at_idx", "service", "environment",
              "finished_at"),
        Index("deployments_environment_first_event_at_idx", "environment", "first_event_at"),
        Index("deployments_replaced_deployment_id_idx", "replaced_deployment_id",
              postgresql_where=text("rollback_inferred")),
    )
    deployment_id: str = _key()
    service: str
    environment: str
    version: str | None = None
    image: str | None = None
    image_repository: str | None = None
    image_tag: str | None = None
    image_digest: str | None = None
    commit: str | None = None
    pipeline_name: str | None = None
    pipeline_run_id: str | None = None
    pipeline_url: str | None = None
    actor: str | None = None
    status: str
    started_at: datetime | None = _ts()
    succeeded_at: datetime | None = _ts()
    succeeded_seq: int | None = Field(default=None, sa_type=BigInteger)
    finished_at: datetime | None = _ts()
    duration_seconds: float | None = None
    reason: str | None = None
    replaced_deployment_id: str | None = None
    replaced_version: str | None = None
    is_rollback: bool = _flag()
    rollback_inferred: bool = _flag()
    rolled_back_at: datetime | None = _ts()
    rolled_back_seq: int | None = Field(default=None, sa_type=BigInteger)
    rolled_back_to_version: str | None = None
    is_current: bool = _flag()
    event_seqs: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    first_event_at: datetime = _ts(False)
    last_event_at: datetime = _ts(False)
    updated_at: datetime | None = _ts(False, now=True)


class CurrentDeployment(SQLModel, table=True):
    """What runs, by the deployments, per (service, environment)."""

    __tablename__ = "current_deployments"
    service: str = _key()
    environment: str = _key()
    deployment_id: str | None = None
    version: str | None = None
    image: str | None = None
    image_digest: str | None = None
    since: datetime = _ts(False)


class ServiceHandledEvent(_Handled, table=True):
    __tablename__ = "services_handled_events"
    __table_args__ = (
        Index("services_handled_events_seq_idx", "seq"),
        # Ordered by event time: is a new event the latest of its (service, environment)?
        Index("services_handled_events_service_environment_occurred_at_seq_idx", "service",
              "environment", "occurred_at", "seq"),
        # The last start before a late event's time, without walking the other types (0016).
        Index("services_handled_events_pair_type_time_idx", "service",
              "environment", "type", "occurred_at", "seq"),
    )
    service: str | None = None
    environment: str | None = None


class Service(SQLModel, table=True):
    """The service registry."""

    __tablename__ = "services"
    service: str = _key()
    owner: str | None = None
    repository: str | None = None
    description: str | None = None
    tier: str | None = None
    registered_at: datetime = _ts(False)
    registered_implicitly: bool
    decommissioned_at: datetime | None = _ts()
    first_seen_at: datetime = _ts(False)
    last_seen_at: datetime = _ts(False)


class ServiceEnvironment(SQLModel, table=True):
    """Operational state of a service in one environment."""

    __tablename__ = "service_environments"
    # (environment, service): the matrix's order (pts.search.cells reads its cells here).
    __table_args__ = (Index("service_environments_environment_service_idx", "environment",
                            "service"),)
    service: str = _key()
    environment: str = _key()
    state: str | None = None
    state_since: datetime | None = _ts()
    health: str = Field(default="unknown", sa_column_kwargs={"server_default": "unknown"})
    health_since: datetime | None = _ts()
    version: str | None = None
    image: str | None = None
    instance: str | None = None
    version_since: datetime | None = _ts()
    first_seen_at: datetime = _ts(False)
    last_seen_at: datetime = _ts(False)


class ServiceTransition(SQLModel, table=True):
    """One change of state (running/stopped) or health of a service in an environment."""

    __tablename__ = "service_transitions"
    __table_args__ = (
        Index("service_transitions_service_environment_at_idx", "service", "environment", "at"),
        # Migration 0014: the last transition of one kind by a time (the matrix at a time).
        Index("service_transitions_service_environment_kind_at_event_seq_idx", "service",
              "environment", "kind", "at", "event_seq"),
    )
    service: str
    environment: str
    kind: str = _key()
    from_value: str | None = None
    to_value: str
    at: datetime = _ts(False)
    reason: str | None = None
    event_seq: int = _seq(primary_key=True)
    event_source: str
    event_id: str


class ImageHandledEvent(_Handled, table=True):
    __tablename__ = "images_handled_events"
    __table_args__ = (
        Index("images_handled_events_seq_idx", "seq"),
        Index("images_handled_events_deployment_id_idx", "deployment_id"),
        Index("images_handled_events_repository_digest_idx", "repository", "digest"),
        Index("images_handled_events_repository_tag_idx", "repository", "tag"),
        Index("images_handled_events_service_environment_time_idx",  # migration 0022
              "service", "environment", "occurred_at", "seq"),
    )
    service: str | None = None
    environment: str | None = None
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None
    deployment_id: str | None = None


class Image(SQLModel, table=True):
    """One row per (repository, digest): a digest never moves."""

    __tablename__ = "images"
    __table_args__ = (Index("images_digest_idx", "digest"),)
    repository: str = _key()
    digest: str = _key()
    first_seen_at: datetime = _ts(False)
    published_at: datetime | None = _ts()
    commit: str | None = None
    service: str | None = None


class ImageTag(SQLModel, table=True):
    """Which digest a tag pointed to, from when to when (to_at null: it still does)."""

    __tablename__ = "image_tags"
    __table_args__ = (Index("image_tags_repository_digest_idx", "repository", "digest"),)
    repository: str = _key()
    tag: str = _key()
    digest: str
    from_at: datetime = _ts(False)
    to_at: datetime | None = _ts()
    event_seq: int = _seq(primary_key=True)


class ImageRun(SQLModel, table=True):
    """Where an image ran: service, environment, from, to (to_at null: still running)."""

    __tablename__ = "image_runs"
    __table_args__ = (Index("image_runs_repository_digest_idx", "repository", "digest"),
                      Index("image_runs_digest_idx", "digest"),  # migration 0014
                      Index("image_runs_service_environment_from_idx",  # migration 0022
                            "service", "environment", "from_at", "from_seq"))
    service: str = _key()
    environment: str = _key()
    image: str
    repository: str
    tag: str | None = None
    digest: str | None = None
    from_at: datetime = _ts(False)
    to_at: datetime | None = _ts()
    from_seq: int = _seq(primary_key=True)


class DeploymentStep(SQLModel, table=True):
    """One step of an environment's timeline (a deployment succeeding, or rolled back),
    with what was current after it: the deployments handler's fold state at that step."""

    __tablename__ = "deployment_steps"
    __table_args__ = (Index("deployment_steps_service_environment_current_version_at_seq_idx",
                            "service", "environment", "current_version", "at", "seq"),)
    service: str = _key()
    environment: str = _key()
    at: datetime = Field(sa_type=DateTime(timezone=True), primary_key=True)
    seq: int = _seq(primary_key=True)
    step: str
    deployment_id: str
    current_deployment_id: str | None = None
    current_version: str | None = None
    current_image: str | None = None
    current_image_digest: str | None = None
    current_since: datetime | None = _ts()
