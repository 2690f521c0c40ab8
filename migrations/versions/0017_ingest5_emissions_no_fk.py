"""The outbox's foreign key to the log goes: every outbox row is written in the transaction
that inserted its log row, with that row's seq (pts.eventlog's `RETURNING seq`, or the local
broker's hook), and a log row is never deleted (the log's triggers refuse it), so the key
could never fail; checking it cost about a tenth of PostgreSQL's work per appended event (a
lookup and a key-share lock of the new log row per outbox row, EXPLAIN ANALYZE in
docs/benchmarks.md).

Revision ID: 0017_ingest5_emissions_no_fk
Revises: 0016_services_window_index
Create Date: 2026-11-28
"""

from alembic import op

revision = "0017_ingest5_emissions_no_fk"
down_revision = "0016_services_window_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("event_emissions_seq_fkey", "event_emissions", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key("event_emissions_seq_fkey", "event_emissions", "platform_events",
                          ["seq"], ["seq"])
