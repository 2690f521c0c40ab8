"""Access control: bearer tokens with scopes, source restriction for ingest, the broker's
proof for handlers, per-token rate limit and the audit of token use (docs/security.md)."""

from pts.auth.authorize import Principal, authorize
from pts.auth.broker import require_broker
from pts.auth.scopes import ADMIN, INGEST, READ, SCOPES
from pts.auth.sources import check_sources

__all__ = ["ADMIN", "INGEST", "READ", "SCOPES", "Principal", "authorize", "check_sources",
           "require_broker"]
