"""Bearer tokens: how they are made and how they are stored (only a hash ever is)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "pts_"
RANDOM_BYTES = 32  # 256 bits: no guessing, and a plain SHA-256 is a sufficient hash


def new_token() -> str:
    """A fresh token. It is shown once, to whoever created it, and never stored."""
    return PREFIX + secrets.token_urlsafe(RANDOM_BYTES)


def hash_token(token: str) -> str:
    """What the database keeps: SHA-256 of the token, hex.

    A slow password hash is not needed: the token is random with 256 bits of entropy, so
    the hash cannot be reversed by guessing, and a fast hash keeps every request cheap.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a.encode(), b.encode())
