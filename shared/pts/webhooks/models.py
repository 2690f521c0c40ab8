"""The webhook_integrations table (created by migration 0008)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Identity, Text, func
from sqlmodel import Field, SQLModel


class WebhookIntegration(SQLModel, table=True):
    """One producer's webhook: its name (the URL), kind, source prefix and secret."""

    __tablename__ = "webhook_integrations"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    name: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(Text, nullable=False))
    source_prefix: str = Field(sa_column=Column(Text, nullable=False))
    secret_hash: str = Field(sa_column=Column(Text, nullable=False))
    secret: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
