"""The images handler refolds a (service, environment)'s image runs from a point in time,
not from its beginning: its handled events of a pair are read from a time on, and the run in
effect before that time is one probe, each by an index in (event time, seq) order. The
handled events' (service, environment) index becomes the first columns of the new one.

Revision ID: 0022_images8_runs_window
Revises: 0021_broker6_events_by_ref
Create Date: 2026-11-29
"""

from alembic import op

revision = "0022_images8_runs_window"
down_revision = "0021_broker6_events_by_ref"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("images_handled_events_service_environment_time_idx",
                    "images_handled_events", ["service", "environment", "occurred_at", "seq"])
    op.drop_index("images_handled_events_service_environment_idx",
                  table_name="images_handled_events")
    op.create_index("image_runs_service_environment_from_idx", "image_runs",
                    ["service", "environment", "from_at", "from_seq"])


def downgrade() -> None:
    op.drop_index("image_runs_service_environment_from_idx", table_name="image_runs")
    op.create_index("images_handled_events_service_environment_idx",
                    "images_handled_events", ["service", "environment"])
    op.drop_index("images_handled_events_service_environment_time_idx",
                  table_name="images_handled_events")
