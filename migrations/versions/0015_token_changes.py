"""Tell the functions when api_tokens changes, so their caches of verified tokens drop it.

Revision ID: 0015_token_changes
Revises: 0014_search_indexes
Create Date: 2026-11-28

Each function process keeps the tokens it has verified for a few seconds
(pts.auth.cache, PTS_TOKEN_CACHE_SECONDS) and LISTENs on `pts_tokens`. A statement that
creates, revokes, rescopes or deletes tokens NOTIFYs it at commit; the audit's last-used
writes do not (they touch other columns), so they neither clear the caches nor take
NOTIFY's commit lock.
"""

from alembic import op

revision = "0015_token_changes"
down_revision = "0014_search_indexes"
branch_labels = None
depends_on = None

NOTIFY = """
CREATE FUNCTION pts_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pts_tokens', '');
    RETURN NULL;
END $$;
CREATE TRIGGER api_tokens_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, token_hash, scopes, source_prefix, revoked_at
    ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION pts_tokens_changed();
CREATE TRIGGER api_tokens_truncated
    AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION pts_tokens_changed();
"""


def upgrade() -> None:
    op.execute(NOTIFY)


def downgrade() -> None:
    op.execute("DROP TRIGGER api_tokens_truncated ON api_tokens")
    op.execute("DROP TRIGGER api_tokens_changed ON api_tokens")
    op.execute("DROP FUNCTION pts_tokens_changed()")
