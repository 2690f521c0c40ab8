"""The deployments handler's timeline steps, so a delivery refolds only what follows it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28

Each row is one step of a (service, environment)'s timeline (a deployment succeeding or
being rolled back) with what was current after it (pts.projections.deployment_window).
An existing database gets its steps at the next delivery to each (service, environment)
(the handler refolds a group that has a current deployment but no steps whole, once), or
all at once with `pts replay deployments`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deployment_steps",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("deployment_id", sa.Text, nullable=False),
        sa.Column("current_deployment_id", sa.Text),
        sa.Column("current_version", sa.Text),
        sa.Column("current_image", sa.Text),
        sa.Column("current_image_digest", sa.Text),
        sa.Column("current_since", TS),
        sa.PrimaryKeyConstraint("service", "environment", "at", "seq",
                                name="deployment_steps_pkey"),
    )
    # "Did this version run here before?" and "the last deployment of this version".
    # Named as PostgreSQL names it (63 characters), so `pts replay`'s copy keeps the name.
    op.create_index("deployment_steps_service_environment_current_version_at_seq_idx",
                    "deployment_steps",
                    ["service", "environment", "current_version", "at", "seq"])


def downgrade() -> None:
    op.drop_table("deployment_steps")
