"""Reading stack.yml, the OpenFaaS manifest: the source of every function's image, scale
labels and topics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
STACK = ROOT / "stack.yml"
HANDLER_VISIBILITY = "cluster-local"
# Functions reached from outside the cluster; the rest only by the broker and sources.
PUBLIC = ("ingest", "search", "admin", "webhooks")


@dataclass(frozen=True)
class StackFunction:
    name: str
    image: str
    labels: dict[str, str]
    annotations: dict[str, str]
    environment: dict[str, str]

    def label(self, key: str) -> str | None:
        return self.labels.get(f"com.openfaas.scale.{key}")

    @property
    def topics(self) -> list[str]:
        """The routing topics (cron-function is the cron-connector's, not an event type)."""
        raw = self.annotations.get("topic", "")
        return [t.strip() for t in raw.split(",") if t.strip() and t.strip() != "cron-function"]


def load(path: Path = STACK) -> dict:
    """stack.yml as a document."""
    return yaml.safe_load(Path(path).read_text())


def functions(path: Path = STACK) -> list[StackFunction]:
    """Every function of stack.yml, in file order."""
    doc = load(path)
    return [StackFunction(name, spec["image"], dict(spec.get("labels") or {}),
                          dict(spec.get("annotations") or {}),
                          dict(spec.get("environment") or {}))
            for name, spec in doc["functions"].items()]
