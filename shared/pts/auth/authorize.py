"""`authorize(request, scope, function=...)`: who is calling, and may they do this?

Every entry point (except the handlers, which accept the broker only) calls it first.
401 (with `WWW-Authenticate: Bearer`) when the token is missing, malformed, unknown or
revoked; 403 when the token lacks the scope; 429 when the token is over its rate limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask only for the hints: `pts token` loads this package without it
    import flask

from pts.auth import audit, cache, ratelimit, store
from pts.auth.scopes import SCOPES
from pts.auth.tokens import hash_token, same_hash
from pts.config import Settings, get_settings
from pts.db.pool import get_pool
from pts.http.problem import Problem

# RFC 6750's b64token.
_BEARER = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*) *$")
MAX_TOKEN_LENGTH = 512


@dataclass(frozen=True)
class Principal:
    """The token a request was authorized with."""

    token_id: int
    name: str
    scopes: tuple[str, ...]
    source_prefix: str | None = None

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def _unauthorized(detail: str, reason: str, function: str, request: flask.Request,
                  error: str | None = "invalid_token") -> Problem:
    audit.failed(reason, function, request.remote_addr)
    challenge = 'Bearer realm="pts"' + (f', error="{error}"' if error else "")
    return Problem(401, detail, headers={"WWW-Authenticate": challenge})


def bearer_token(request: flask.Request, function: str) -> str:
    """The token of `Authorization: Bearer <token>`, or Problem 401."""
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("send Authorization: Bearer <token>", "no token", function,
                            request, error=None)
    match = _BEARER.match(header)
    if not match or len(match.group(1)) > MAX_TOKEN_LENGTH:
        raise _unauthorized("the Authorization header is not 'Bearer <token>'",
                            "malformed header", function, request, error="invalid_request")
    return match.group(1)


def _admin_hash(settings: Settings) -> str | None:
    return hash_token(settings.admin_token) if settings.admin_token else None


def _lookup(pool, digest: str, function: str, touch: bool, settings: Settings):
    """store.lookup, answered from this process's cache of verified tokens when it may be
    (not when the audit's last-used write is due: that goes with the lookup)."""
    tokens = cache.for_pool(pool, settings.token_cache_seconds)
    if tokens is None:
        return store.lookup(pool, digest, function, touch)
    hit, generation = tokens.get(digest)
    if hit is not None and not touch:
        return hit
    found = store.lookup(pool, digest, function, touch)
    if found is not None and generation is not None:
        tokens.put(digest, found, generation)
    return found


def authorize(request: flask.Request, scope: str, *, function: str,
              settings: Settings | None = None) -> Principal:
    """The Principal of the request's bearer token, if it has `scope`; else Problem 401/403
    (or 429 when rate-limited). Records the token's use for the audit."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    settings = settings or get_settings()
    digest = hash_token(bearer_token(request, function))
    pool = get_pool(settings)
    touch = audit.due(digest, settings.audit_interval_seconds)
    found = _lookup(pool, digest, function, touch, settings)
    if (found is None and settings.admin_token
            and same_hash(digest, _admin_hash(settings) or "")):
        # PTS_ADMIN_TOKEN outside `pts up` (Knative, OpenFaaS): registered on first use.
        store.register_admin(pool, settings.admin_token, list(SCOPES))
        found = store.lookup(pool, digest, function, True)
    if found is None or not same_hash(found[1], digest):
        raise _unauthorized("unknown token", "unknown token", function, request)
    record = found[0]
    if record.revoked_at is not None:
        raise _unauthorized("the token is revoked", f"revoked token {record.name!r}",
                            function, request)
    if scope not in record.scopes:
        raise Problem(403, f"the token {record.name!r} lacks the {scope!r} scope",
                      headers={"WWW-Authenticate":
                               f'Bearer realm="pts", error="insufficient_scope", scope="{scope}"'})
    if touch:
        audit.touched(digest)
    ratelimit.check(digest, settings.rate_limit_per_second, settings.rate_limit_burst)
    return Principal(record.id, record.name, record.scopes, record.source_prefix)
