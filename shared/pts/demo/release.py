"""One release of a demo service: changes, an image, and its way through dev, staging, prod."""

from __future__ import annotations

from datetime import datetime, timedelta

from pts.demo.platform import ACTORS, ENVIRONMENTS, REGISTRY, Timeline, sha
from pts.domain.timefmt import format_rfc3339

REASONS = {
    "failed": ("readiness probe failed after 300s", "image pull back-off",
               "migration 0042 timed out", "helm upgrade: context deadline exceeded"),
    "health": ("error rate 7% over 5 min", "p99 latency above 2 s", "OOMKilled (3 restarts)"),
}
# environment -> (hours after the previous stage, probability of failure, minutes to deploy)
STAGES = {"dev": ((0.1, 0.3), 0.08, (1, 4)), "staging": ((2, 8), 0.08, (2, 6)),
          "prod": ((16, 30), 0.06, (4, 12))}


class Release:
    """Version `version` of `service`, first published at `at`. `live` maps environment to
    the version running there before, and is updated as the release lands."""

    def __init__(self, world: Timeline, service: str, version: str, at: datetime,
                 live: dict[str, str]):
        self.w, self.rng, self.service, self.version = world, world.rng, service, version
        self.at, self.live = at, live
        self.repository = f"{REGISTRY}/{service}"
        self.digest = "sha256:" + sha(service, version, "image", length=64)
        self.image = f"{self.repository}:{version}@{self.digest}"
        self.commit = sha(service, version, "commit")
        self.changes = self._changes()
        self.actor = self.rng.choice(ACTORS)

    def _changes(self) -> list[dict]:
        out, t = [], self.at - timedelta(hours=self.rng.uniform(6, 60))
        for n in range(self.rng.randint(1, 4)):
            out.append({"commit": sha(self.service, self.version, "change", n),
                        "time": format_rfc3339(t.replace(microsecond=0))})
            t += timedelta(hours=self.rng.uniform(0.5, 8))
        out[-1]["commit"] = self.commit
        return out

    def run(self) -> None:
        w = self.w
        w.emit(self.at, "dev.pts.image.published", self.digest,
               {"repository": self.repository, "digest": self.digest, "tag": self.version,
                "service": self.service, "commit": self.commit})
        t = self.at
        for env in ENVIRONMENTS:
            hours, p_fail, minutes = STAGES[env]
            t += timedelta(hours=self.rng.uniform(*hours))
            landed, t = self._deploy(env, t, p_fail, minutes)
            if not landed:
                return  # fixed in a later release

    def _deploy(self, env: str, t: datetime, p_fail: float, minutes) -> tuple[bool, datetime]:
        """Deploy to env (a failure is retried once); returns (landed, when it finished)."""
        for attempt in (1, 2):
            dep = f"{self.service}-{self.version}-{env}" + ("" if attempt == 1 else "-r2")
            self._started(dep, env, t)
            done = t + timedelta(minutes=self.rng.uniform(*minutes))
            common = {"deployment_id": dep, "service": self.service, "environment": env}
            roll = self.rng.random()
            if roll < 0.03:
                self.w.emit(done, "dev.pts.deployment.cancelled", dep + "/cancelled",
                            {**common, "reason": "superseded by a newer pipeline run"}, dep)
                return False, done
            if roll < 0.03 + p_fail:
                self.w.emit(done, "dev.pts.deployment.failed", dep + "/failed",
                            {**common, "reason": self.rng.choice(REASONS["failed"])}, dep)
                if attempt == 2 or self.rng.random() < 0.3:
                    return False, done
                t = done + timedelta(minutes=self.rng.uniform(20, 90))
                continue
            self.w.emit(done, "dev.pts.deployment.succeeded", dep + "/succeeded",
                        {**common, "version": self.version, "image": self.image,
                         "commit": self.commit}, dep)
            self._running(env, done, self.version, self.image)
            return self._aftermath(dep, env, done), done
        return False, t

    def _started(self, dep: str, env: str, t: datetime) -> None:
        run_id = str(int(sha(dep, "run", length=6), 16) % 90000 + 10000)
        self.w.emit(t, "dev.pts.deployment.started", dep + "/started", {
            "deployment_id": dep, "service": self.service, "environment": env,
            "version": self.version, "image": self.image, "commit": self.commit,
            "commit_time": self.changes[-1]["time"], "changes": self.changes,
            "actor": self.actor if env == "prod" else "ci-bot",
            "pipeline": {"name": f"deploy-{self.service}", "run_id": run_id,
                         "url": f"https://ci.local/acme/{self.service}/runs/{run_id}"}}, dep)

    def _running(self, env: str, t: datetime, version: str, image: str) -> None:
        key = f"{self.service}/{env}/{version}/{t.isoformat()}"
        self.w.emit(t + timedelta(seconds=20), "dev.pts.service.started", key + "/started",
                    {"service": self.service, "environment": env, "version": version,
                     "image": image, "instance": f"{self.service}-{sha(key, length=5)}"})
        if env not in self.live:
            self._health(env, t + timedelta(minutes=1), "healthy", None)

    def _health(self, env: str, t: datetime, status: str, reason: str | None) -> None:
        data = {"service": self.service, "environment": env, "status": status}
        if reason:
            data["reason"] = reason
        self.w.emit(t, "dev.pts.service.health_changed",
                    f"{self.service}/{env}/{t.isoformat()}/{status}", data)

    def _aftermath(self, dep: str, env: str, t: datetime) -> bool:
        """After a success: now and then a health alert; in prod, sometimes a rollback."""
        previous = self.live.get(env)
        roll = self.rng.random()
        if roll < 0.14 and env == "prod" and previous:
            bad = t + timedelta(minutes=self.rng.uniform(8, 40))
            self._health(env, bad, self.rng.choice(("degraded", "unhealthy")),
                         self.rng.choice(REASONS["health"]))
            back = bad + timedelta(minutes=self.rng.uniform(4, 15))
            self.w.emit(back, "dev.pts.deployment.rolled_back", dep + "/rolled_back",
                        {"deployment_id": dep, "service": self.service, "environment": env,
                         "to_version": previous, "reason": "health alert"}, dep)
            digest = sha(self.service, previous, "image", length=64)
            old = f"{self.repository}:{previous}@sha256:{digest}"
            self._running(env, back, previous, old)
            self._health(env, back + timedelta(minutes=3), "healthy", None)
            return False
        if roll > 0.9:
            blip = t + timedelta(hours=self.rng.uniform(1, 20))
            self._health(env, blip, "degraded", self.rng.choice(REASONS["health"]))
            self._health(env, blip + timedelta(minutes=self.rng.uniform(10, 70)), "healthy",
                         None)
        self.live[env] = self.version
        return True
