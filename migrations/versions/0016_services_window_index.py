"""An index for the services handler's late events: the last start of a (service,
environment) that named a version, an image or an instance, before a time.

Revision ID: 0016_services_window_index
Revises: 0015_token_changes
Create Date: 2026-11-28

A late event refolds its (service, environment) from the state just before it
(pts.projections.service_window.BEFORE). Finding the last `service.started` before that time
walked the pair's handled events backwards by time through every other type (health
changes, deployments, images) and joined each to the log: on a history of 100,000 events a
late event took 93 ms where it took 10 to 15 ms up to 10,000 (docs/benchmarks.md). With the
type in the key the walk sees starts only. PostgreSQL's default name would pass its
63-byte limit, hence a shorter one (`pts replay` copies indexes by definition and name).
"""

from alembic import op

revision = "0016_services_window_index"
down_revision = "0015_token_changes"
branch_labels = None
depends_on = None

NAME = "services_handled_events_pair_type_time_idx"


def upgrade() -> None:
    op.create_index(NAME, "services_handled_events",
                    ["service", "environment", "type", "occurred_at", "seq"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="services_handled_events")
