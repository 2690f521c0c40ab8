"""The one table of the functions PTS is made of.

Each function's name (URL path and deployment name), entry point, whether it is public or
reached by the broker (and timers) only, the event types the broker delivers to it, and how
it scales. Everything else derives from this table: the routing (pts.routing), the
projections' types, `pts up`'s mounts, the local broker's triggers, the Knative manifests
(`pts manifests knative`) and stack.yml (`pts manifests openfaas`). Edit it, then run both
commands; their `--check` (in the tests) fails while the files are stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FUNCTIONS_DIR = Path(__file__).resolve().parents[3] / "functions"


def _types(family: str, *kinds: str) -> tuple[str, ...]:
    return tuple(f"dev.pts.{family}.{kind}" for kind in kinds)


DEPLOYMENT_TYPES = _types("deployment", "started", "succeeded", "failed", "rolled_back",
                          "cancelled")
SERVICE_TYPES = _types("service", "registered", "started", "stopped", "health_changed",
                       "decommissioned")
IMAGE_PUBLISHED = "dev.pts.image.published"


@dataclass(frozen=True)
class Scale:
    """Replicas: at least min, at most max; target concurrent requests per replica."""

    min: int
    max: int
    target: int | None = None


@dataclass(frozen=True)
class Function:
    """One function: served from functions/<name>/main.py, entry point `target`."""

    name: str
    target: str
    public: bool = False
    """Reached from outside the cluster; otherwise only the broker (and timers) call it."""
    types: tuple[str, ...] = ()
    """Event types (or prefixes, ending with ".") the broker delivers to it."""
    scale: Scale = Scale(1, 1)
    emits: bool = False
    """It emits events, so its deployment is given the broker as K_SINK."""
    schedule: str | None = None
    """A timer calls it on this cron schedule."""
    dead_letter_sink: bool = False
    """The broker sends what exhausted its retries here."""

    @property
    def source(self) -> Path:
        return FUNCTIONS_DIR / self.name / "main.py"


FUNCTIONS: list[Function] = [
    Function("ingest", "ingest", public=True, scale=Scale(1, 10, 50), emits=True),
    Function("search", "search", public=True, scale=Scale(1, 5, 50)),
    # Producers' own webhooks (GitHub, GitLab, Argo CD, ...), mapped onto the catalog.
    Function("webhooks", "webhooks", public=True, scale=Scale(1, 5, 50), emits=True),
    Function("admin", "admin", public=True, scale=Scale(1, 2)),
    Function("deployments", "deployments", types=DEPLOYMENT_TYPES, scale=Scale(1, 5, 20)),
    # A deployment or an image names a service (and environment): it registers them and
    # moves their seen times.
    Function("services", "services", types=(*SERVICE_TYPES, *DEPLOYMENT_TYPES, IMAGE_PUBLISHED),
             scale=Scale(1, 5, 20)),
    # Where a digest ran: deployments name images; a later failure undoes a success;
    # services report the image they started with, and stopping ends a run.
    Function("images", "images",
             types=(IMAGE_PUBLISHED, *DEPLOYMENT_TYPES, *_types("service", "started", "stopped")),
             scale=Scale(1, 5, 20)),
    Function("deadletter", "deadletter", scale=Scale(1, 2), dead_letter_sink=True),
    Function("relay", "relay", scale=Scale(1, 1), emits=True, schedule="* * * * *"),
]
# dev.pts.platform.* events are stored and searchable, not projected: no function takes them.


def function(name: str) -> Function:
    """The function of that name (KeyError when there is none)."""
    for fn in FUNCTIONS:
        if fn.name == name:
            return fn
    raise KeyError(name)


def types_of(name: str) -> tuple[str, ...]:
    """The event types the broker delivers to a function."""
    return function(name).types
