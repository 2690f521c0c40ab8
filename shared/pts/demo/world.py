"""The demo platform: five services released through dev, staging and prod over four weeks.

Everything is drawn from a seeded random generator and laid out relative to `end`, so the
same `end` gives exactly the same events (ids, times, data): posting them again is a run of
duplicates. Each release publishes an image, then deploys it to dev, to staging some hours
later and to prod the next working day; some deployments fail, some prod releases are
rolled back after a health alert.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pts.demo.platform import SERVICES, SOURCE, sha
from pts.demo.release import Release
from pts.domain.timefmt import format_rfc3339


@dataclass
class World:
    """The events of the demo, in time order once sorted."""

    end: datetime
    days: int = 28
    events: list[dict] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(14))

    def emit(self, at: datetime, type_: str, key: str, data: dict, subject: str | None = None
             ) -> None:
        if at > self.end:
            return  # the future has not happened yet
        event = {"specversion": "1.0", "id": "demo-" + sha(type_, key, length=20),
                 "source": SOURCE, "type": type_,
                 "time": format_rfc3339(at.replace(microsecond=0)),
                 "datacontenttype": "application/json", "data": data}
        if subject:
            event["subject"] = subject
        self.events.append(event)

    def build(self) -> list[dict]:
        """Every event of the demo, oldest first."""
        start = self.end - timedelta(days=self.days)
        for name, (owner, tier, description, _) in SERVICES.items():
            self.emit(start, "dev.pts.service.registered", name,
                      {"service": name, "owner": owner, "tier": tier, "description": description,
                       "repository": f"https://git.local/acme/{name}"})
        for name in SERVICES:
            self._releases(name, start)
        self._platform(start)
        self.events.sort(key=lambda e: (e["time"], e["id"]))
        return self.events

    def _releases(self, name: str, start: datetime) -> None:
        mean = SERVICES[name][3]
        at = start + timedelta(hours=self.rng.uniform(2, 30))
        minor, previous = 0, dict[str, str]()
        while at < self.end:
            minor += 1
            release = Release(self, name, f"1.{minor}.0", at, previous)
            release.run()
            at += timedelta(days=self.rng.expovariate(1 / mean) + 0.5)

    def _platform(self, start: datetime) -> None:
        """Events outside the catalog's projections: stored and searchable."""
        for day in range(0, self.days, 3):
            at = start + timedelta(days=day, hours=3)
            self.emit(at, "dev.pts.platform.certificate.renewed", f"cert-{day}",
                      {"domain": "acme.example", "expires_in_days": 90})
        for day in (6, 17, 25):
            at = start + timedelta(days=day, hours=22)
            self.emit(at, "dev.pts.platform.node.drained", f"node-{day}",
                      {"node": f"node-{day % 3 + 1}", "reason": "kernel upgrade"})


def demo_events(end: datetime) -> list[dict]:
    """The demo's CloudEvents (JSON format), oldest first, ending at `end`."""
    return World(end).build()
