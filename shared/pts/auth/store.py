"""Reading and writing api_tokens. One statement per call; the caller owns the pool."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from pts.auth.named import NamedTable, NameTaken
from pts.auth.tokens import hash_token, new_token

__all__ = ["NameTaken", "TokenRecord", "create", "list_tokens", "lookup", "register_admin",
           "revoke"]

ADMIN_TOKEN_NAME = "PTS_ADMIN_TOKEN"
_COLUMNS = "id, name, scopes, source_prefix, created_at, last_used_at, last_used_by, revoked_at"

SELECT_ONE = f"SELECT {_COLUMNS}, token_hash FROM api_tokens WHERE token_hash = %(hash)s"
# Look a token up and record its use in the same statement: used at most once per interval
# (pts.auth.audit), so the audit adds no round trip to the hot path.
LOOKUP_AND_TOUCH = f"""
WITH found AS ({SELECT_ONE}), touched AS (
    UPDATE api_tokens SET last_used_at = now(), last_used_by = %(function)s
    WHERE token_hash = %(hash)s AND revoked_at IS NULL
)
SELECT * FROM found
"""


@dataclass(frozen=True)
class TokenRecord:
    """A row of api_tokens, without the hash."""

    id: int
    name: str
    scopes: tuple[str, ...]
    source_prefix: str | None
    created_at: datetime
    last_used_at: datetime | None
    last_used_by: str | None
    revoked_at: datetime | None

    def as_json(self) -> dict:
        return {**asdict(self), "scopes": list(self.scopes)}


def _record(row) -> TokenRecord:
    return TokenRecord(row[0], row[1], tuple(row[2]), *row[3:8])


TABLE = NamedTable("api_tokens", _COLUMNS, _record, "token")


def create(pool, name: str, scopes: list[str], source_prefix: str | None = None,
           token: str | None = None) -> tuple[str, TokenRecord]:
    """A new token (or the given one) stored by hash; returns the token and its record.
    NameTaken when a live token has the name."""
    token = token or new_token()
    return token, TABLE.insert(pool, name, {"token_hash": hash_token(token), "scopes": scopes,
                                            "source_prefix": source_prefix})


def lookup(pool, token_hash: str, function: str, touch: bool) -> tuple[TokenRecord, str] | None:
    """The record and stored hash of a token (revoked ones too), recording its use if touch."""
    params = {"hash": token_hash, "function": function}
    with pool.connection() as conn:
        if touch:
            with conn.transaction():
                # Losing the last-used time of the final instants before a crash is fine.
                conn.execute("SET LOCAL synchronous_commit TO off")
                row = conn.execute(LOOKUP_AND_TOUCH, params).fetchone()
        else:
            conn.autocommit = True  # a lone read: no BEGIN and COMMIT round trips
            try:
                row = conn.execute(SELECT_ONE, params).fetchone()
            finally:
                conn.autocommit = False
    return (_record(row), row[8]) if row else None


list_tokens = TABLE.list
revoke = TABLE.revoke


def register_admin(pool, token: str, scopes: list[str]) -> str:
    """Store the PTS_ADMIN_TOKEN's hash (all scopes) unless it is stored already, revoked or
    not. A new value replaces (revokes) the previous one, so changing the variable rotates it.
    Returns what happened: "registered", "active" (stored before) or "revoked" (stored
    before, then revoked: it stays refused)."""
    digest = hash_token(token)
    with pool.connection() as conn, conn.transaction():
        # Serialize concurrent first starts (several workers register at once).
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('pts.auth.register_admin'))")
        row = conn.execute("SELECT revoked_at IS NOT NULL FROM api_tokens WHERE token_hash = %s",
                           (digest,)).fetchone()
        if row:
            return "revoked" if row[0] else "active"
        conn.execute("UPDATE api_tokens SET revoked_at = now() "
                     "WHERE name = %s AND revoked_at IS NULL", (ADMIN_TOKEN_NAME,))
        conn.execute("INSERT INTO api_tokens (name, token_hash, scopes) VALUES (%s, %s, %s)",
                     (ADMIN_TOKEN_NAME, digest, scopes))
    return "registered"
