"""Each handler's handled-events table is keyed by the event's `seq`, not its (source, id):
the log holds one event per (source, id) under one seq, so the two say the same, and the
handled rows are written from the log by seq. One index per table fewer (the key was
(source, id) beside an index on seq), and the one unique check of each insert compares a
bigint instead of two texts: about a quarter less per handled row
(docs/benchmarks.md, *Handled events keyed by seq, session 8*). Building the new key reads
the table once.

Revision ID: 0023_handled8_seq_key
Revises: 0022_images8_runs_window
Create Date: 2026-11-29
"""

from alembic import op

revision = "0023_handled8_seq_key"
down_revision = "0022_images8_runs_window"
branch_labels = None
depends_on = None

TABLES = ("deployments_handled_events", "services_handled_events", "images_handled_events")


def upgrade() -> None:
    for table in TABLES:
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.drop_index(f"{table}_seq_idx", table_name=table)
        op.create_primary_key(f"{table}_pkey", table, ["seq"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, ["source", "id"])
        op.create_index(f"{table}_seq_idx", table, ["seq"])
