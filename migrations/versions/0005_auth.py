"""API tokens: hashed bearer tokens with scopes, an optional source prefix, and audit columns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        # SHA-256 (hex) of the token: tokens are 256-bit random, so a fast hash is enough.
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("scopes", ARRAY(sa.Text), nullable=False),
        sa.Column("source_prefix", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_by", sa.Text),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("scopes <@ ARRAY['ingest', 'read', 'admin']::text[]",
                           name="api_tokens_known_scopes"),
        sa.CheckConstraint("cardinality(scopes) > 0", name="api_tokens_some_scope"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="api_tokens_hash_form"),
    )
    # A name designates one live token; revoked ones keep theirs for the record.
    op.create_index("ux_api_tokens_live_name", "api_tokens", ["name"], unique=True,
                    postgresql_where=sa.text("revoked_at IS NULL"))


def downgrade() -> None:
    op.drop_table("api_tokens")
