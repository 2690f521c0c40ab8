"""SQLModel tables of the foundation. Other tables live beside the code that owns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class PlatformEvent(SQLModel, table=True):
    """One row of the immutable log: every CloudEvents attribute, the data, and what PTS adds."""

    __tablename__ = "platform_events"

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
