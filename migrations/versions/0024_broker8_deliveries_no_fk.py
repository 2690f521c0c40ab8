"""The local broker's deliveries lose their foreign key to broker_events: every delivery row
is written by the statement (or transaction) that holds its event's row (the enqueue's one
statement inserts both; a dead-letter delivery is added beside its event's first delivery,
which pruning keeps until it is finished and old), and an event is pruned only once no
delivery of it is left. So the key could not fail, and its check (a lookup and a key-share
lock of the event's row per delivery) cost the enqueue a quarter of its time: 8.6 against
6.5 ms per 200 events (docs/benchmarks.md, *Platform batches, session 8*). Migration 0017
did the same for the outbox.

Revision ID: 0024_broker8_deliveries_no_fk
Revises: 0023_handled8_seq_key
Create Date: 2026-11-29
"""

from alembic import op

revision = "0024_broker8_deliveries_no_fk"
down_revision = "0023_handled8_seq_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("broker_deliveries_event_id_fkey", "broker_deliveries",
                       type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key("broker_deliveries_event_id_fkey", "broker_deliveries",
                          "broker_events", ["event_id"], ["id"])
