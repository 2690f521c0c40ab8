"""The functions PTS is made of: name (URL path and deployment name) and entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FUNCTIONS_DIR = Path(__file__).resolve().parents[3] / "functions"


@dataclass(frozen=True)
class Function:
    name: str
    target: str

    @property
    def source(self) -> Path:
        return FUNCTIONS_DIR / self.name / "main.py"


FUNCTIONS: list[Function] = [
    Function("ingest", "ingest"),
    Function("deployments", "deployments"),
    Function("services", "services"),
    Function("images", "images"),
    Function("admin", "admin"),
    Function("relay", "relay"),
    Function("deadletter", "deadletter"),
    Function("search", "search"),
    Function("webhooks", "webhooks"),
]
