"""SQLModel tables of eventing (migration 0002): emission state, dead letters.

The local broker's queue (broker_events, broker_deliveries) is read and written with SQL in
pts.broker.queue; these models are for readers such as search (`GET /deadletters`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Identity, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class EventEmission(SQLModel, table=True):
    """Emission state of one logged event: kept apart because the log is immutable."""

    __tablename__ = "event_emissions"

    seq: int = Field(sa_column=Column(BigInteger, ForeignKey("platform_events.seq"),
                                      primary_key=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    emitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_attempt_at: datetime | None = Field(default=None,
                                             sa_column=Column(DateTime(timezone=True)))
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class DeadLetter(SQLModel, table=True):
    """An event that exhausted its retries, as the deadletter function received it.

    `event` is the CloudEvent in JSON format (every attribute, and data or data_base64)
    without the knativeerror* extensions, which are the error_* columns.
    """

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=True),
                                                          primary_key=True))
    received_at: datetime | None = Field(default=None,
                                         sa_column=Column(DateTime(timezone=True), nullable=False))
    event_source: str = Field(sa_column=Column(Text, nullable=False))
    event_id: str = Field(sa_column=Column(Text, nullable=False))
    event_type: str = Field(sa_column=Column(Text, nullable=False))
    event: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    error_dest: str = Field(default="", sa_column=Column(Text, nullable=False))
    error_code: int | None = Field(default=None, sa_column=Column(Integer))
    error_data: str | None = Field(default=None, sa_column=Column(Text))
    error_trigger: str | None = Field(default=None, sa_column=Column(Text))
    redriven_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    redrive_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    redrive_error: str | None = Field(default=None, sa_column=Column(Text))
    # Migration 0010: discarding closes a letter; a redriven letter that fails again is
    # reopened (failures + 1, last_failed_at) rather than stored twice.
    discarded_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    failures: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    last_failed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False))
