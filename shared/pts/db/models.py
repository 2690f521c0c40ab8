"""SQLModel tables of the foundation. Other tables live beside the code that owns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from pts.db.fts import FTS_DOCUMENT

INCIDENTS = "type IN ('dev.pts.incident.opened', 'dev.pts.incident.resolved')"


class PlatformEvent(SQLModel, table=True):
    """One row of the immutable log: every CloudEvents attribute, the data, and what PTS adds."""

    __tablename__ = "platform_events"
    __table_args__ = (
        UniqueConstraint("source", "id", name="platform_events_source_id_key"),
        CheckConstraint("data IS NULL OR data_base64 IS NULL",
                        name="platform_events_one_data_form"),
        Index("ix_events_occurred", "occurred_at", "seq"),
        Index("ix_events_received", "received_at", "seq"),
        Index("ix_events_type", "type", "seq"),
        Index("ix_events_service_env", "service", "environment", "seq"),
        Index("ix_events_environment", "environment", "seq"),
        Index("ix_events_subject", "subject", "seq"),
        # Migration 0004: what the search API's filters use.
        Index("ix_events_source_seq", "source", "seq"),
        Index("ix_events_service_seq", "service", "seq"),
        Index("ix_events_type_c", text('(type COLLATE "C")'), "seq"),
        Index("ix_events_data", "data", postgresql_using="gin",
              postgresql_ops={"data": "jsonb_path_ops"}),
        Index("ix_events_data_fts", text(FTS_DOCUMENT), postgresql_using="gin"),
        # Migration 0009: what the insights (DORA, incidents, changes) read.
        Index("ix_events_incident_environment", "environment", "occurred_at",
              postgresql_where=text(INCIDENTS)),
        Index("ix_events_incident_id", text("(data ->> 'incident_id')"),
              postgresql_where=text(INCIDENTS)),
        Index("ix_events_change_commit", text("(data ->> 'commit')"),
              postgresql_where=text("type = 'dev.pts.change.merged'")),
        Index("ix_events_deployment_changes", text("(data ->> 'deployment_id')"),
              postgresql_where=text("type LIKE 'dev.pts.deployment.%' AND "
                                    "(data ? 'changes' OR data ? 'commit_time')")),
    )

    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, Identity(always=True), primary_key=True),
    )
    id: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(Text, nullable=False))
    type: str = Field(sa_column=Column(Text, nullable=False))
    specversion: str = Field(sa_column=Column(Text, nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(Text))
    time: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    datacontenttype: str | None = Field(default=None, sa_column=Column(Text))
    dataschema: str | None = Field(default=None, sa_column=Column(Text))
    extensions: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    data: Any | None = Field(default=None, sa_column=Column(JSONB))
    data_base64: str | None = Field(default=None, sa_column=Column(Text))
    received_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    service: str | None = Field(default=None, sa_column=Column(Text))
    environment: str | None = Field(default=None, sa_column=Column(Text))
    content_hash: str = Field(sa_column=Column(Text, nullable=False))


class InstallationSecret(SQLModel, table=True):
    """One named random key of this installation."""

    __tablename__ = "pts_secrets"

    name: str = Field(sa_column=Column(Text, primary_key=True))
    value: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
