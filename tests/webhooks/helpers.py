"""Helpers of the webhook tests: fixtures written from each producer's documented examples,
signed or authenticated the way each producer does it."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, indent=2).encode()


def hmac_hex(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    return hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).hexdigest()


def github(secret: str, body: bytes, event: str, delivery: str,
           content_type: str = "application/json") -> dict:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
            "X-GitHub-Hook-ID": "471122334", "User-Agent": "GitHub-Hookshot/6a1f0c2",
            "X-Hub-Signature-256": "sha256=" + hmac_hex(secret, body),
            "Content-Type": content_type}


def gitlab(secret: str, event: str, uuid: str) -> dict:
    return {"X-Gitlab-Event": event, "X-Gitlab-Token": secret, "Idempotency-Key": uuid,
            "X-Gitlab-Event-UUID": "3d1c4b1e-0000-4000-8000-000000000001",
            "X-Gitlab-Instance": "https://gitlab.acme.example",
            "User-Agent": "GitLab/17.5.1", "Content-Type": "application/json"}


def flux(secret: str, body: bytes) -> dict:
    return {"X-Signature": "sha256=" + hmac_hex(secret, body),
            "Content-Type": "application/json", "User-Agent": "notification-controller/v1.4.0"}


def bearer(secret: str, content_type: str = "application/json") -> dict:
    return {"Authorization": f"Bearer {secret}", "Content-Type": content_type}
