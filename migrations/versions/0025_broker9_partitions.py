"""The local broker's events and deliveries carry a partition key: a hash of the service the
event names (the log row's `service`; 0 for none). `pts up` splits each in-process handler's
due deliveries into `PTS_BROKER_PARTITIONS` partitions by this key (equal ranges of it), so
that several batches of one handler are in flight at once on disjoint services
(docs/eventing.md). The key is written with the event by the enqueue's one statement, and
copied to each of its deliveries, so a batch's locking read filters on the delivery row it
reads anyway (no join to the log). Adding a column with a constant default rewrites no
table (PostgreSQL 11 and later): rows already queued get key 0, the first partition.

The due index by subscriber gets the key as its last column: a partition's locking read
then skips the other partitions' deliveries inside the index (an index condition), not by
fetching each one's row. The index is built again: quick, as pruning keeps the table small
(docs/operations.md).

Revision ID: 0025_broker9_partitions
Revises: 0024_broker8_deliveries_no_fk
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_broker9_partitions"
down_revision = "0024_broker8_deliveries_no_fk"
branch_labels = None
depends_on = None


def _due_by_subscriber(columns: list[str]) -> None:
    op.drop_index("ix_deliveries_due_by_subscriber", "broker_deliveries")
    op.create_index("ix_deliveries_due_by_subscriber", "broker_deliveries", columns,
                    postgresql_where=sa.text("status = 'pending'"))


def upgrade() -> None:
    for table in ("broker_events", "broker_deliveries"):
        op.add_column(table, sa.Column("part_key", sa.Integer(), nullable=False,
                                       server_default="0"))
    _due_by_subscriber(["subscriber", "next_attempt_at", "part_key"])


def downgrade() -> None:
    _due_by_subscriber(["subscriber", "next_attempt_at"])
    for table in ("broker_deliveries", "broker_events"):
        op.drop_column(table, "part_key")
