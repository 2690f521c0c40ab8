"""Dead-letter care: a letter can be discarded, and a redriven letter that fails again is
updated (failures, last failure) instead of a new row being added.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dead_letters", sa.Column("discarded_at", sa.DateTime(timezone=True)))
    op.add_column("dead_letters", sa.Column("failures", sa.Integer, nullable=False,
                                            server_default="1"))
    op.add_column("dead_letters", sa.Column("last_failed_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE dead_letters SET last_failed_at = received_at")
    op.alter_column("dead_letters", "last_failed_at", nullable=False,
                    server_default=sa.func.now())
    # Until now a redriven letter that failed again became a new row: keep the newest of
    # each (source, id, subscriber), count the others into it, and close them as discarded.
    op.execute("""
        WITH ranked AS (
            SELECT id, event_source, event_id, error_dest,
                   row_number() OVER w AS n, count(*) OVER (PARTITION BY event_source, event_id,
                   error_dest) AS total
            FROM dead_letters WINDOW w AS (PARTITION BY event_source, event_id, error_dest
                                           ORDER BY received_at DESC, id DESC)
        ), kept AS (
            UPDATE dead_letters d SET failures = r.total FROM ranked r
            WHERE d.id = r.id AND r.n = 1 AND r.total > 1
        )
        UPDATE dead_letters d SET discarded_at = coalesce(d.redriven_at, now())
        FROM ranked r WHERE d.id = r.id AND r.n > 1
    """)
    op.drop_index("ux_dead_letters_open", table_name="dead_letters")
    # One letter per event and subscriber until it is discarded; redrives reopen it.
    op.create_index("ux_dead_letters_live", "dead_letters",
                    ["event_source", "event_id", "error_dest"], unique=True,
                    postgresql_where=sa.text("discarded_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ux_dead_letters_live", table_name="dead_letters")
    # The old index allows one row per key with redriven_at NULL: discarded ones read as done.
    op.execute("UPDATE dead_letters SET redriven_at = discarded_at "
               "WHERE discarded_at IS NOT NULL AND redriven_at IS NULL")
    op.create_index("ux_dead_letters_open", "dead_letters",
                    ["event_source", "event_id", "error_dest"], unique=True,
                    postgresql_where=sa.text("redriven_at IS NULL"))
    op.drop_column("dead_letters", "last_failed_at")
    op.drop_column("dead_letters", "failures")
    op.drop_column("dead_letters", "discarded_at")
