"""The api_tokens table (created by migration 0005): a hash per token, never the token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    """One bearer token: its name, scopes, optional source prefix, and when it was used."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ux_api_tokens_live_name", "name", unique=True,
                            postgresql_where=text("revoked_at IS NULL")),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    name: str = Field(sa_column=Column(Text, nullable=False))
    token_hash: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    scopes: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    source_prefix: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    last_used_by: str | None = Field(default=None, sa_column=Column(Text))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
