"""The made-up platform's fixed parts: its services, environments, registry and people."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from typing import Protocol

SOURCE = "/pts/demo"
ENVIRONMENTS = ("dev", "staging", "prod")
REGISTRY = "registry.local/acme"
ACTORS = ("alice", "bob", "chen", "dana", "ci-bot")
# service -> (owner, tier, description, mean days between releases)
SERVICES = {
    "api": ("team-core", "1", "Public REST API", 2.5),
    "web": ("team-web", "1", "Customer web front end", 3.0),
    "auth": ("team-core", "0", "Sign-in and tokens", 5.0),
    "billing": ("team-money", "1", "Invoices and payments", 4.0),
    "worker": ("team-core", "2", "Background jobs", 3.5),
}


def sha(*parts: object, length: int = 40) -> str:
    """A stable hex digest of parts: commits, digests and ids that never change."""
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


class Timeline(Protocol):
    """Where a release writes its events (pts.demo.world.World), and its random source."""

    rng: random.Random

    def emit(self, at: datetime, type_: str, key: str, data: dict,
             subject: str | None = None) -> None: ...
