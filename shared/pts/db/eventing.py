"""SQLModel tables of eventing (migration 0002): emission state, the local broker's queue,
dead letters. Run-time code reads and writes them with SQL (pts.eventing, pts.broker.queue,
pts.usecases.deadletters); these models declare them (pts.schema checks them)."""

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
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel


class EventEmission(SQLModel, table=True):
    """Emission state of one logged event: kept apart because the log is immutable."""

    __tablename__ = "event_emissions"
    __table_args__ = (Index("ix_emissions_pending", "seq",
                            postgresql_where=text("emitted_at IS NULL")),)

    # A logged event's seq; no foreign key (migration 0017): the append statement writes
    # both rows, and the log never loses one.
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))
    emitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                      server_default="0"))
    last_attempt_at: datetime | None = Field(default=None,
                                             sa_column=Column(DateTime(timezone=True)))
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class DeadLetter(SQLModel, table=True):
    """An event that exhausted its retries, as the deadletter function received it.

    `event` is the CloudEvent in JSON format (every attribute, and data or data_base64)
    without the knativeerror* extensions, which are the error_* columns.
    """

    __tablename__ = "dead_letters"
    __table_args__ = (
        # One letter per event and subscriber until it is discarded; redrives reopen it.
        Index("ux_dead_letters_live", "event_source", "event_id", "error_dest", unique=True,
              postgresql_where=text("discarded_at IS NULL")),
        Index("ix_dead_letters_received", "received_at", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=True),
                                                          primary_key=True))
    received_at: datetime | None = Field(default=None, sa_column=Column(
        DateTime(timezone=True), nullable=False, server_default=func.now()))
    event_source: str = Field(sa_column=Column(Text, nullable=False))
    event_id: str = Field(sa_column=Column(Text, nullable=False))
    event_type: str = Field(sa_column=Column(Text, nullable=False))
    event: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    error_dest: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    error_code: int | None = Field(default=None, sa_column=Column(Integer))
    error_data: str | None = Field(default=None, sa_column=Column(Text))
    error_trigger: str | None = Field(default=None, sa_column=Column(Text))
    redriven_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    redrive_count: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                           server_default="0"))
    redrive_error: str | None = Field(default=None, sa_column=Column(Text))
    # Migration 0010: discarding closes a letter; a redriven letter that fails again is
    # reopened (failures + 1, last_failed_at) rather than stored twice.
    discarded_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    failures: int = Field(default=1, sa_column=Column(Integer, nullable=False,
                                                      server_default="1"))
    last_failed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False,
                                       server_default=func.now()))


def _now_ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable,
                                                server_default=func.now()))


class BrokerEvent(SQLModel, table=True):
    """An event the local broker's ingress accepted, with the triggers it matched: its copy
    (`event`), or, for an event of the log queued by ingest or the relay, the log row's `seq`
    (pts.broker.queue builds the emitted form from the log when a reader needs it)."""

    __tablename__ = "broker_events"
    __table_args__ = (
        Index("ix_broker_events_received", "received_at"),  # pruning
        CheckConstraint("event IS NOT NULL OR seq IS NOT NULL", name="broker_events_event_or_seq"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=True),
                                                          primary_key=True))
    received_at: datetime | None = _now_ts()
    ce_source: str = Field(sa_column=Column(Text, nullable=False))
    ce_id: str = Field(sa_column=Column(Text, nullable=False))
    ce_type: str = Field(sa_column=Column(Text, nullable=False))
    event: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    seq: int | None = Field(default=None, sa_column=Column(BigInteger))
    subscribers: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False,
                                                    server_default="{}"))
    # A hash of the service the event names (0: none), copied to its deliveries: the
    # in-process batches' partition is the range of PTS_BROKER_PARTITIONS equal ranges that
    # holds part_key (pts.broker.queue.part_range; migration 0025).
    part_key: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                      server_default="0"))


class BrokerDelivery(SQLModel, table=True):
    """One delivery of a broker event to one trigger's subscriber (or the dead-letter sink)."""

    __tablename__ = "broker_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'dead_lettered', 'failed')",
                        name="broker_deliveries_status"),
        CheckConstraint("kind IN ('trigger', 'deadletter')", name="broker_deliveries_kind"),
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_deliveries_event", "event_id"),
        # In-process batches lock one subscriber's due deliveries (of one partition: the
        # part_key range is an index condition, migration 0025); pruning finds finished ones.
        Index("ix_deliveries_due_by_subscriber", "subscriber", "next_attempt_at", "part_key",
              postgresql_where=text("status = 'pending'")),
        Index("ix_deliveries_finished", "finished_at",
              postgresql_where=text("status <> 'pending'")),
        # The dispatcher's next due time: dead letters of any subscriber (pts.broker.queue).
        Index("ix_deliveries_deadletters_due", "next_attempt_at",
              postgresql_where=text("status = 'pending' AND kind = 'deadletter'")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=True),
                                                          primary_key=True))
    # broker_events.id, unchecked: written with its event, pruned after it (migration 0024)
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(default="trigger", sa_column=Column(Text, nullable=False,
                                                          server_default="trigger"))
    subscriber: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", sa_column=Column(Text, nullable=False,
                                                            server_default="pending"))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                      server_default="0"))
    next_attempt_at: datetime | None = _now_ts()
    claimed_by: str | None = Field(default=None, sa_column=Column(Text))
    last_status: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    error_dest: str | None = Field(default=None, sa_column=Column(Text))
    error_code: int | None = Field(default=None, sa_column=Column(Integer))
    error_data: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime | None = _now_ts()
    part_key: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                      server_default="0"))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
