"""The webhook_integrations table (created by migration 0008)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Identity, Text
from sqlmodel import Field

from pts.auth.models import NamedSecret, live_name_index


class WebhookIntegration(NamedSecret, table=True):
    """One producer's webhook: its name (the URL), kind, source prefix and secret."""

    __tablename__ = "webhook_integrations"
    __table_args__ = (live_name_index("webhook_integrations"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    kind: str = Field(sa_column=Column(Text, nullable=False))
    source_prefix: str = Field(sa_column=Column(Text, nullable=False))
    secret_hash: str = Field(sa_column=Column(Text, nullable=False))
    secret: str | None = Field(default=None, sa_column=Column(Text))
