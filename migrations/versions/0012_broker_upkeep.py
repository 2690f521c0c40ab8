"""The local broker's upkeep: claim a handler's batch by subscriber, prune finished work.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In-process batches claim one subscriber's due deliveries (pts.broker.queue.CLAIM).
    op.create_index("ix_deliveries_due_by_subscriber", "broker_deliveries",
                    ["subscriber", "next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    # Pruning finds finished deliveries by age (pts.broker.upkeep.prune).
    op.create_index("ix_deliveries_finished", "broker_deliveries", ["finished_at"],
                    postgresql_where=sa.text("status <> 'pending'"))
    op.create_index("ix_broker_events_received", "broker_events", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_broker_events_received", "broker_events")
    op.drop_index("ix_deliveries_finished", "broker_deliveries")
    op.drop_index("ix_deliveries_due_by_subscriber", "broker_deliveries")
