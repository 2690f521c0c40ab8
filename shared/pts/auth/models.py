"""The tables of named, revocable secrets (pts.auth.named): api_tokens (migration 0005) keeps
a hash per token, never the token; webhook_integrations (0008, pts.webhooks.models) too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


def live_name_index(table: str) -> Index:
    """The unique index that keeps a name unique among a table's live (unrevoked) rows."""
    return Index(f"ux_{table}_live_name", "name", unique=True,
                 postgresql_where=text("revoked_at IS NULL"))


class NamedSecret(SQLModel):
    """The columns both tables have besides their id (an Identity column is declared per
    table: one Identity object cannot serve two)."""

    name: str = Field(sa_type=Text, nullable=False)
    created_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True),
                                        nullable=False,
                                        sa_column_kwargs={"server_default": func.now()})
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ApiToken(NamedSecret, table=True):
    """One bearer token: its name, scopes, optional source prefix, and when it was used."""

    __tablename__ = "api_tokens"
    __table_args__ = (live_name_index("api_tokens"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    token_hash: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    scopes: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    source_prefix: str | None = Field(default=None, sa_column=Column(Text))
    last_used_by: str | None = Field(default=None, sa_column=Column(Text))
