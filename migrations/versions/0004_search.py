"""Indexes the search API needs on platform_events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Every /events filter is served by an index whose last column is seq, so that "filter,
newest first, resume below a seq" is one index range scan read backwards, never a table
scan: source and service alone (0001 has them only as prefixes of other keys), type
prefixes (a C-collated copy of the type key: byte order makes a prefix a key range),
containment inside the data (GIN, jsonb_path_ops) and words of the data (GIN, full text).
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The expression of pts.db.fts.FTS_DOCUMENT (tests/db/test_schema.py compares them).
FTS_DOCUMENT = "jsonb_to_tsvector('simple', data, '[\"string\", \"numeric\"]')"

INDEXES = {
    "ix_events_source_seq": "(source, seq)",
    "ix_events_service_seq": "(service, seq)",
    "ix_events_type_c": '((type COLLATE "C"), seq)',
    "ix_events_data": "USING gin (data jsonb_path_ops)",
    "ix_events_data_fts": f"USING gin (({FTS_DOCUMENT}))",
}


def upgrade() -> None:
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON platform_events {definition}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
