"""Reading and writing webhook_integrations. One statement per call; the caller owns the pool.

A secret is shown once, when it is made. Kinds that verify an HMAC signature (github, flux)
need the secret itself, so it is stored; for the others only its SHA-256 is.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

import psycopg

from pts.auth.named import NamedTable, NameTaken
from pts.auth.tokens import hash_token, new_secret

__all__ = ["Credentials", "Integration", "NameTaken", "check", "create", "list_integrations",
           "lookup", "revoke", "touch"]

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
        doc = asdict(self)
        return {"id": doc.pop("id"), "name": doc.pop("name"), "kind": doc.pop("kind"),
                "url": self.url, **doc}


@dataclass(frozen=True)
class Credentials:
    """What verifying a delivery needs: the secret's hash, and the secret for HMAC kinds."""

    integration: Integration
    secret_hash: str
    secret: str | None


TABLE = NamedTable("webhook_integrations", _COLUMNS, lambda row: Integration(*row),
                   "webhook integration", on_revoke=", secret = NULL")


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
    """A new integration with a fresh secret; returns the secret (shown once) and the row.
    NameTaken when a live integration has the name."""
    secret = new_secret("whs_")
    return secret, TABLE.insert(pool, name, {
        "kind": kind, "source_prefix": source_prefix or f"/webhooks/{name}/",
        "secret_hash": hash_token(secret), "secret": secret if kind in HMAC_KINDS else None})


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


list_integrations = TABLE.list
revoke = TABLE.revoke  # a revoked integration's stored secret is erased
