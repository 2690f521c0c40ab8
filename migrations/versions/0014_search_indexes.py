"""Indexes of the common searches (GET /deployments filters, the matrix at a past time).

Revision ID: 0014_search_indexes
Revises: 0013
Create Date: 2026-11-28

Each serves a query of pts.search found reading or sorting thousands of rows on a
1,000,000-event log (docs/benchmarks.md, search): /deployments lists newest first by
(first_event_at, deployment_id), alone, by status or by image digest; /images by digest
finds where it ran; the matrix at a past time probes the last state and the last health
transition of each cell. The status index of 0003 is a prefix of the new one and is
dropped. Names are PostgreSQL's defaults, as 0003 explains (`pts replay` copies them with
CREATE TABLE ... LIKE ... INCLUDING ALL).
"""

from alembic import op

revision = "0014_search_indexes"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = {
    "deployments_first_event_at_deployment_id_idx": (
        "deployments", ["first_event_at", "deployment_id"]),
    "deployments_status_first_event_at_deployment_id_idx": (
        "deployments", ["status", "first_event_at", "deployment_id"]),
    "deployments_image_digest_idx": ("deployments", ["image_digest"]),
    # GET /images?digest=: where an image ran, by digest alone.
    "image_runs_digest_idx": ("image_runs", ["digest"]),
    "service_transitions_service_environment_kind_at_event_seq_idx": (
        "service_transitions", ["service", "environment", "kind", "at", "event_seq"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    op.drop_index("deployments_status_idx", table_name="deployments")


def downgrade() -> None:
    op.create_index("deployments_status_idx", "deployments", ["status"])
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
