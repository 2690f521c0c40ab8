"""The due dead-letter deliveries on an index of their own: the dispatcher's next due time
leaves out the in-process handlers' trigger deliveries (their batches are timed apart) but
not their dead letters, which carry the trigger's name as subscriber; without this index
finding the earliest of them walked every pending delivery of those handlers.

Revision ID: 0019_deadletters_due_index
Revises: 0018_search5_matrix_cells
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_deadletters_due_index"
down_revision = "0018_search5_matrix_cells"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_deadletters_due", "broker_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending' AND kind = 'deadletter'"))


def downgrade() -> None:
    op.drop_index("ix_deliveries_deadletters_due", "broker_deliveries")
