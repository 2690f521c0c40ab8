"""The immutable event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

IMMUTABLE = """
CREATE FUNCTION pts_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'platform_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER platform_events_no_update_delete
    BEFORE UPDATE OR DELETE ON platform_events
    FOR EACH ROW EXECUTE FUNCTION pts_reject_change();
CREATE TRIGGER platform_events_no_truncate
    BEFORE TRUNCATE ON platform_events
    FOR EACH STATEMENT EXECUTE FUNCTION pts_reject_change();
"""


def upgrade() -> None:
    op.create_table(
        "platform_events",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("specversion", sa.Text, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("time", sa.DateTime(timezone=True)),
        sa.Column("datacontenttype", sa.Text),
        sa.Column("dataschema", sa.Text),
        sa.Column("extensions", JSONB, nullable=False, server_default="{}"),
        sa.Column("data", JSONB),
        sa.Column("data_base64", sa.Text),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.Text),
        sa.Column("environment", sa.Text),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.UniqueConstraint("source", "id", name="platform_events_source_id_key"),
        sa.CheckConstraint(
            "data IS NULL OR data_base64 IS NULL", name="platform_events_one_data_form"
        ),
    )
    op.create_index("ix_events_occurred", "platform_events", ["occurred_at", "seq"])
    op.create_index("ix_events_received", "platform_events", ["received_at", "seq"])
    op.create_index("ix_events_type", "platform_events", ["type", "seq"])
    op.create_index(
        "ix_events_service_env", "platform_events", ["service", "environment", "seq"]
    )
    op.create_index("ix_events_environment", "platform_events", ["environment", "seq"])
    op.create_index("ix_events_subject", "platform_events", ["subject", "seq"])
    op.execute(IMMUTABLE)


def downgrade() -> None:
    op.execute("DROP TABLE platform_events")
    op.execute("DROP FUNCTION pts_reject_change()")
