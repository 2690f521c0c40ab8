"""Reading and writing webhook_integrations. One statement per call; the caller owns the pool.

A secret is shown once, when it is made. Kinds that verify an HMAC signature (github, flux)
need the secret itself, so it is stored; for the others only its SHA-256 is.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg

from pts.auth.tokens import hash_token

KINDS = ("github", "gitlab", "argocd", "flux", "harbor", "registry")
HMAC_KINDS = ("github", "flux")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_COLUMNS = "id, name, kind, source_prefix, created_at, last_used_at, revoked_at"


@dataclass(frozen=True)
class Integration:
    """A row of webhook_integrations, without its secret."""

    id: int
    name: str
    kind: str
    source_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def url(self) -> str:
        return f"/function/webhooks/{self.name}"

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind, "url": self.url,
                "source_prefix": self.source_prefix, "created_at": self.created_at,
                "last_used_at": self.last_used_at, "revoked_at": self.revoked_at}


@dataclass(frozen=True)
class Credentials:
    """What verifying a delivery needs: the secret's hash, and the secret for HMAC kinds."""

    integration: Integration
    secret_hash: str
    secret: str | None


class NameTaken(Exception):
    """A live integration already has this name."""


def check(name: object, kind: object, source_prefix: object) -> list[dict[str, str]]:
    """What is wrong with these values, as a client sent them ([] when nothing)."""
    errors = []
    if not isinstance(name, str) or not NAME.match(name):
        errors.append({"field": "name", "message": "1 to 100 letters, digits, '.', '_' or '-', "
                       "starting with a letter or digit"})
    if kind not in KINDS:
        errors.append({"field": "kind", "message": f"one of {', '.join(KINDS)}"})
    if source_prefix is not None and (not isinstance(source_prefix, str) or not source_prefix
                                      or len(source_prefix) > 1024):
        errors.append({"field": "source_prefix", "message": "a non-empty string"})
    return errors


def create(pool, name: str, kind: str, source_prefix: str | None = None
           ) -> tuple[str, Integration]:
    """A new integration with a fresh secret; returns the secret (shown once) and the row."""
    secret = "whs_" + secrets.token_urlsafe(32)
    prefix = source_prefix or f"/webhooks/{name}/"
    try:
        with pool.connection() as conn:
            row = conn.execute(
                f"INSERT INTO webhook_integrations (name, kind, source_prefix, secret_hash, "
                f"secret) VALUES (%s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (name, kind, prefix, hash_token(secret), secret if kind in HMAC_KINDS else None),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise NameTaken(f"a live webhook integration is already named {name!r}") from None
    return secret, Integration(*row)


def lookup(pool, name: str) -> Credentials | None:
    """The live integration of that name with what verifies its deliveries, or None."""
    with pool.connection() as conn:
        conn.autocommit = True  # a lone read: no BEGIN and COMMIT round trips
        try:
            row = conn.execute(f"SELECT {_COLUMNS}, secret_hash, secret FROM "
                               "webhook_integrations WHERE name = %s AND revoked_at IS NULL",
                               (name,)).fetchone()
        finally:
            conn.autocommit = False
    return Credentials(Integration(*row[:7]), row[7], row[8]) if row else None


def touch(conn: psycopg.Connection, integration_id: int) -> None:
    """Record a delivery, inside the transaction that stores it."""
    conn.execute("UPDATE webhook_integrations SET last_used_at = now() WHERE id = %s",
                 (integration_id,))


def list_integrations(pool, include_revoked: bool = False) -> list[Integration]:
    """Every live integration (and revoked ones if asked), oldest first."""
    where = "" if include_revoked else "WHERE revoked_at IS NULL"
    with pool.connection() as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM webhook_integrations {where} ORDER BY id"
                            ).fetchall()
    return [Integration(*r) for r in rows]


def revoke(pool, name: str) -> Integration | None:
    """Revoke the live integration of that name (its secret is erased); None when none."""
    with pool.connection() as conn:
        row = conn.execute(
            f"UPDATE webhook_integrations SET revoked_at = now(), secret = NULL "
            f"WHERE name = %s AND revoked_at IS NULL RETURNING {_COLUMNS}", (name,),
        ).fetchone()
    return Integration(*row) if row else None
