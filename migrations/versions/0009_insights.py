"""Indexes of the insights routes (GET /dora, /environments/diff, /annotations).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

Changes and incidents are read from the log, not projected: each read is one of these
partial indexes, which hold only the few events they are about (so ingest pays for them only
on those events). The predicates must stay identical to the queries in pts.insights.queries,
or the planner cannot use them. The deployments indexes keep PostgreSQL's default names, as
0003 explains (`pts replay` copies them with CREATE TABLE ... LIKE ... INCLUDING ALL).
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INCIDENTS = "type IN ('dev.pts.incident.opened', 'dev.pts.incident.resolved')"
INDEXES = {
    # Incidents opened or resolved in an environment within a time range.
    "ix_events_incident_environment": ("platform_events", "(environment, occurred_at)",
                                       INCIDENTS),
    # Every event of one incident, wherever it falls in time.
    "ix_events_incident_id": ("platform_events", "((data ->> 'incident_id'))", INCIDENTS),
    # The change.merged events of a commit.
    "ix_events_change_commit": ("platform_events", "((data ->> 'commit'))",
                                "type = 'dev.pts.change.merged'"),
    # The deployment events that name what they shipped (commit_time or changes).
    "ix_events_deployment_changes": (
        "platform_events", "((data ->> 'deployment_id'))",
        "type LIKE 'dev.pts.deployment.%' AND (data ? 'changes' OR data ? 'commit_time')"),
    # The next deployment of a service in an environment after a time.
    "deployments_service_environment_finished_at_idx": (
        "deployments", "(service, environment, finished_at)", None),
    # Deployments of an environment begun within a time range (GET /annotations).
    "deployments_environment_first_event_at_idx": (
        "deployments", "(environment, first_event_at)", None),
    # Which deployment an inferred rollback replaced.
    "deployments_replaced_deployment_id_idx": ("deployments", "(replaced_deployment_id)",
                                               "rollback_inferred"),
}


def upgrade() -> None:
    for name, (table, columns, where) in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} {columns}"
                   + (f" WHERE {where}" if where else ""))


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
