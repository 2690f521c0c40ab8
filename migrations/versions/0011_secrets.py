"""Per-installation secrets: a random key made when the database is created, so that no two
installations share one and none is a public default (the search cursor key first).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pts_secrets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    # Made here, by the owner: the functions only read it (SELECT).
    op.execute(sa.text("INSERT INTO pts_secrets (name, value) VALUES ('search_cursor', :v)")
               .bindparams(v=secrets.token_urlsafe(32)))


def downgrade() -> None:
    op.drop_table("pts_secrets")
