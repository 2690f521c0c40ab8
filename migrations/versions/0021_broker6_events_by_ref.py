"""The local broker reads the log instead of copying it: an event that ingest (or the relay)
queues in local mode is stored as a reference to its log row (`seq`), without the `event`
copy; the readers that need the event (HTTP subscribers, dead letters) build it from the log
row. Events from elsewhere (POST /broker from outside, handler replies, redrives) keep their
copy. One of the two is always set. The log refuses DELETE, so a reference cannot dangle
(no foreign key: its check would cost ingest a lookup and a lock per row).

Revision ID: 0021_broker6_events_by_ref
Revises: 0019_deadletters_due_index
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_broker6_events_by_ref"
down_revision = "0019_deadletters_due_index"
branch_labels = None
depends_on = None

# The emitted form of a log row (pts.cloudevents.event.to_json plus ptsseq), for the
# downgrade, which needs every row's copy back. K_CE_OVERRIDES are not known here.
_EVENT = """
jsonb_build_object('specversion', p.specversion, 'id', p.id, 'source', p.source,
                   'type', p.type)
|| CASE WHEN p.subject IS NULL THEN '{}' ELSE jsonb_build_object('subject', p.subject) END
|| CASE WHEN p.datacontenttype IS NULL THEN '{}'
        ELSE jsonb_build_object('datacontenttype', p.datacontenttype) END
|| CASE WHEN p.dataschema IS NULL THEN '{}'
        ELSE jsonb_build_object('dataschema', p.dataschema) END
|| CASE WHEN p.time IS NULL THEN '{}' ELSE jsonb_build_object('time',
        to_char(p.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN date_trunc('second', p.time) = p.time THEN ''
                ELSE to_char(p.time AT TIME ZONE 'UTC', '.US') END || 'Z') END
|| coalesce(p.extensions, '{}')
|| CASE WHEN p.data_base64 IS NOT NULL THEN jsonb_build_object('data_base64', p.data_base64)
        WHEN p.data IS NOT NULL THEN jsonb_build_object('data', p.data) ELSE '{}' END
|| jsonb_build_object('ptsseq', p.seq)
"""


def upgrade() -> None:
    op.add_column("broker_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.alter_column("broker_events", "event", nullable=True)
    op.create_check_constraint("broker_events_event_or_seq", "broker_events",
                               "event IS NOT NULL OR seq IS NOT NULL")


def downgrade() -> None:
    op.execute(f"UPDATE broker_events b SET event = {_EVENT} FROM platform_events p "
               "WHERE b.event IS NULL AND p.seq = b.seq")
    op.drop_constraint("broker_events_event_or_seq", "broker_events")
    op.alter_column("broker_events", "event", nullable=False)
    op.drop_column("broker_events", "seq")
