"""The matrix's cells from one table: service_environments holds every (service,
environment) a deployment named, and is read in (environment, service) order.

Revision ID: 0018_search5_matrix_cells
Revises: 0017_ingest5_emissions_no_fk
Create Date: 2026-11-28

The services handler takes every deployment event (the function table) and writes a
service_environments row for each (service, environment) it names, live and in `pts
replay`; so the matrix's cells are that table's rows, one index range in the answer's
order, where the search function used to add the cells of the deployments table with an
index skip over every service (3 to 4 ms of PostgreSQL per `/environments` request on a
1,000,000-event log, docs/benchmarks.md). A database whose projections were built before
the handler took deployment events may lack some of those rows: they are added here, seen
from the cell's first to its last deployment event, health unknown (the handler's own
defaults for a cell only deployments named). The index on (environment) becomes
(environment, service): the matrix's order, so a page stops after its rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_search5_matrix_cells"
down_revision = "0017_ingest5_emissions_no_fk"
branch_labels = None
depends_on = None

OLD = "service_environments_environment_idx"
NEW = "service_environments_environment_service_idx"

BACKFILL = """
INSERT INTO service_environments (service, environment, health, first_seen_at, last_seen_at)
SELECT service, environment, 'unknown', min(first_event_at), max(last_event_at)
FROM deployments GROUP BY service, environment
ON CONFLICT (service, environment) DO NOTHING
"""


def upgrade() -> None:
    op.execute(sa.text(BACKFILL))
    op.create_index(NEW, "service_environments", ["environment", "service"])
    op.drop_index(OLD, table_name="service_environments")


def downgrade() -> None:
    # The added rows stay: the handler writes the same ones as deployments arrive.
    op.create_index(OLD, "service_environments", ["environment"])
    op.drop_index(NEW, table_name="service_environments")
