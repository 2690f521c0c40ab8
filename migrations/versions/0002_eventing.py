"""Eventing: emission outbox, the local broker's queue, dead letters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Emission bookkeeping, one row per logged event; the log row itself never changes.
    op.create_table(
        "event_emissions",
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("platform_events.seq"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("emitted_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_emissions_pending", "event_emissions", ["seq"],
                    postgresql_where=sa.text("emitted_at IS NULL"))

    # The local broker: every event its ingress accepted, and one delivery per trigger.
    op.create_table(
        "broker_events",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("ce_source", sa.Text, nullable=False),
        sa.Column("ce_id", sa.Text, nullable=False),
        sa.Column("ce_type", sa.Text, nullable=False),
        sa.Column("event", JSONB, nullable=False),
        sa.Column("subscribers", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    )
    op.create_table(
        "broker_deliveries",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("broker_events.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False, server_default="trigger"),
        sa.Column("subscriber", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("claimed_by", sa.Text),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("error_dest", sa.Text),
        sa.Column("error_code", sa.Integer),
        sa.Column("error_data", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'dead_lettered', 'failed')",
                           name="broker_deliveries_status"),
        sa.CheckConstraint("kind IN ('trigger', 'deadletter')", name="broker_deliveries_kind"),
    )
    op.create_index("ix_deliveries_due", "broker_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_deliveries_event", "broker_deliveries", ["event_id"])

    # What the deadletter function received.
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("event_source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("event", JSONB, nullable=False),
        sa.Column("error_dest", sa.Text, nullable=False, server_default=""),
        sa.Column("error_code", sa.Integer),
        sa.Column("error_data", sa.Text),
        # The local broker's trigger (handler) that failed, so a redrive goes to it alone.
        sa.Column("error_trigger", sa.Text),
        sa.Column("redriven_at", sa.DateTime(timezone=True)),
        sa.Column("redrive_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("redrive_error", sa.Text),
    )
    # A repeat delivery of the same dead letter is one row until it is redriven.
    op.create_index("ux_dead_letters_open", "dead_letters",
                    ["event_source", "event_id", "error_dest"], unique=True,
                    postgresql_where=sa.text("redriven_at IS NULL"))
    op.create_index("ix_dead_letters_received", "dead_letters", ["received_at", "id"])


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("broker_deliveries")
    op.drop_table("broker_events")
    op.drop_table("event_emissions")
