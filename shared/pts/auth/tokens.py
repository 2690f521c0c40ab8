"""Bearer tokens: how they are made and how they are stored (only a hash ever is)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "pts_"
RANDOM_BYTES = 32  # 256 bits: no guessing, and a plain SHA-256 is a sufficient hash


def new_secret(prefix: str) -> str:
    """A fresh secret (a token, a webhook integration's secret): prefix and 256 random bits.
    It is shown once, to whoever created it; only hash_token of it is kept, and the secret
    itself only where a signature check needs it (pts.webhooks.store)."""
    return prefix + secrets.token_urlsafe(RANDOM_BYTES)


def new_token() -> str:
    """A fresh bearer token."""
    return new_secret(PREFIX)


def hash_token(token: str) -> str:
    """What the database keeps: SHA-256 of the token, hex.

    A slow password hash is not needed: the token is random with 256 bits of entropy, so
    the hash cannot be reversed by guessing, and a fast hash keeps every request cheap.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a.encode(), b.encode())
