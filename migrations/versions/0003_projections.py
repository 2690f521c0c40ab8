"""Projections of the log: deployments, services, images, and what each handler has handled.

Every table here can be rebuilt from the log (`pts replay`). Index and constraint names are
PostgreSQL's defaults on purpose: `pts replay` builds a copy with CREATE TABLE ... (LIKE ...
INCLUDING ALL) in a shadow schema and moves it in, and the copy must come out with the same
names as the original.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _handled(name: str, *extra: sa.Column) -> None:
    """The tracking table of one handler: one row per (source, id) it has acted on."""
    op.create_table(
        name,
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        *extra,
        sa.Column("handled_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("source", "id", name=f"{name}_pkey"),
    )
    op.create_index(f"{name}_seq_idx", name, ["seq"])


def upgrade() -> None:
    _handled(
        "deployments_handled_events",
        sa.Column("deployment_id", sa.Text, nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
    )
    op.create_index("deployments_handled_events_deployment_id_idx",
                    "deployments_handled_events", ["deployment_id"])
    op.create_index("deployments_handled_events_service_environment_idx",
                    "deployments_handled_events", ["service", "environment"])

    op.create_table(
        "deployments",
        sa.Column("deployment_id", sa.Text, nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("version", sa.Text),
        sa.Column("image", sa.Text),
        sa.Column("image_repository", sa.Text),
        sa.Column("image_tag", sa.Text),
        sa.Column("image_digest", sa.Text),
        sa.Column("commit", sa.Text),
        sa.Column("pipeline_name", sa.Text),
        sa.Column("pipeline_run_id", sa.Text),
        sa.Column("pipeline_url", sa.Text),
        sa.Column("actor", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("succeeded_at", TS),
        sa.Column("succeeded_seq", sa.BigInteger),
        sa.Column("finished_at", TS),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("reason", sa.Text),
        sa.Column("replaced_deployment_id", sa.Text),
        sa.Column("replaced_version", sa.Text),
        sa.Column("is_rollback", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rollback_inferred", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rolled_back_at", TS),
        sa.Column("rolled_back_seq", sa.BigInteger),
        sa.Column("rolled_back_to_version", sa.Text),
        sa.Column("is_current", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("event_seqs", ARRAY(sa.BigInteger), nullable=False),
        sa.Column("first_event_at", TS, nullable=False),
        sa.Column("last_event_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("deployment_id", name="deployments_pkey"),
        sa.CheckConstraint(
            "status IN ('started', 'succeeded', 'failed', 'cancelled', 'rolled_back')",
            name="deployments_status_check",
        ),
    )
    op.create_index("deployments_service_environment_first_event_at_idx", "deployments",
                    ["service", "environment", "first_event_at"])
    op.create_index("deployments_environment_finished_at_idx", "deployments",
                    ["environment", "finished_at"])
    op.create_index("deployments_status_idx", "deployments", ["status"])

    op.create_table(
        "current_deployments",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("deployment_id", sa.Text),
        sa.Column("version", sa.Text),
        sa.Column("image", sa.Text),
        sa.Column("image_digest", sa.Text),
        sa.Column("since", TS, nullable=False),
        sa.PrimaryKeyConstraint("service", "environment", name="current_deployments_pkey"),
    )

    _handled(
        "services_handled_events",
        sa.Column("service", sa.Text),  # null: an image published for no service
        sa.Column("environment", sa.Text),
    )
    # Ordered by event time: is a new event the latest of its (service, environment)?
    op.create_index("services_handled_events_service_environment_occurred_at_seq_idx",
                    "services_handled_events", ["service", "environment", "occurred_at", "seq"])

    op.create_table(
        "services",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("repository", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("tier", sa.Text),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("registered_implicitly", sa.Boolean, nullable=False),
        sa.Column("decommissioned_at", TS),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("service", name="services_pkey"),
    )

    op.create_table(
        "service_environments",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("state", sa.Text),
        sa.Column("state_since", TS),
        sa.Column("health", sa.Text, nullable=False, server_default="unknown"),
        sa.Column("health_since", TS),
        sa.Column("version", sa.Text),
        sa.Column("image", sa.Text),
        sa.Column("instance", sa.Text),
        sa.Column("version_since", TS),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("service", "environment", name="service_environments_pkey"),
    )
    op.create_index("service_environments_environment_idx", "service_environments",
                    ["environment"])

    op.create_table(
        "service_transitions",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("from_value", sa.Text),
        sa.Column("to_value", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.Column("event_source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("event_seq", "kind", name="service_transitions_pkey"),
        sa.CheckConstraint("kind IN ('state', 'health')", name="service_transitions_kind_check"),
    )
    op.create_index("service_transitions_service_environment_at_idx", "service_transitions",
                    ["service", "environment", "at"])

    _handled(
        "images_handled_events",
        sa.Column("service", sa.Text),
        sa.Column("environment", sa.Text),
        sa.Column("repository", sa.Text),
        sa.Column("tag", sa.Text),
        sa.Column("digest", sa.Text),
        sa.Column("deployment_id", sa.Text),
    )
    op.create_index("images_handled_events_deployment_id_idx",
                    "images_handled_events", ["deployment_id"])
    op.create_index("images_handled_events_repository_digest_idx",
                    "images_handled_events", ["repository", "digest"])
    op.create_index("images_handled_events_repository_tag_idx",
                    "images_handled_events", ["repository", "tag"])
    op.create_index("images_handled_events_service_environment_idx",
                    "images_handled_events", ["service", "environment"])

    op.create_table(
        "images",
        sa.Column("repository", sa.Text, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("published_at", TS),
        sa.Column("commit", sa.Text),
        sa.Column("service", sa.Text),
        sa.PrimaryKeyConstraint("repository", "digest", name="images_pkey"),
    )
    op.create_index("images_digest_idx", "images", ["digest"])

    op.create_table(
        "image_tags",
        sa.Column("repository", sa.Text, nullable=False),
        sa.Column("tag", sa.Text, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("from_at", TS, nullable=False),
        sa.Column("to_at", TS),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("repository", "tag", "event_seq", name="image_tags_pkey"),
    )
    op.create_index("image_tags_repository_digest_idx", "image_tags", ["repository", "digest"])

    op.create_table(
        "image_runs",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("image", sa.Text, nullable=False),
        sa.Column("repository", sa.Text, nullable=False),
        sa.Column("tag", sa.Text),
        sa.Column("digest", sa.Text),
        sa.Column("from_at", TS, nullable=False),
        sa.Column("to_at", TS),
        sa.Column("from_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("service", "environment", "from_seq", name="image_runs_pkey"),
    )
    op.create_index("image_runs_repository_digest_idx", "image_runs", ["repository", "digest"])


TABLES = (
    "image_runs", "image_tags", "images", "images_handled_events",
    "service_transitions", "service_environments", "services", "services_handled_events",
    "current_deployments", "deployments", "deployments_handled_events",
)


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
