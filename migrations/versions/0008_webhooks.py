"""Webhook integrations: one row per producer configuration (name, kind, secret).

HMAC producers (GitHub, Flux generic-hmac) sign with the secret, so PTS must keep the secret
itself to verify them; for the others only its SHA-256 is stored (docs/security.md).

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

KINDS = "ARRAY['github', 'gitlab', 'argocd', 'flux', 'harbor', 'registry']::text[]"


def upgrade() -> None:
    op.create_table(
        "webhook_integrations",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("source_prefix", sa.Text, nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        # Only for the kinds that verify an HMAC signature (github, flux).
        sa.Column("secret", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"kind = ANY({KINDS})", name="webhook_integrations_known_kind"),
        sa.CheckConstraint("name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'",
                           name="webhook_integrations_name_form"),
        sa.CheckConstraint("secret_hash ~ '^[0-9a-f]{64}$'",
                           name="webhook_integrations_hash_form"),
        # Revoking erases the secret.
        sa.CheckConstraint("(secret IS NOT NULL) = (kind IN ('github', 'flux') "
                           "AND revoked_at IS NULL)", name="webhook_integrations_secret_for_hmac"),
    )
    # A name is one live integration (its URL); revoked ones keep theirs for the record.
    op.create_index("ux_webhook_integrations_live_name", "webhook_integrations", ["name"],
                    unique=True, postgresql_where=sa.text("revoked_at IS NULL"))


def downgrade() -> None:
    op.drop_table("webhook_integrations")
