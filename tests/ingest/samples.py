"""One valid data object per catalog type."""

DIGEST = "sha256:" + "a" * 64

SAMPLES = {
    "dev.pts.deployment.started": {
        "deployment_id": "d-1", "service": "api", "environment": "prod", "version": "1.4.2",
        "image": f"registry.local/api:1.4.2@{DIGEST}", "commit": "abc123",
        "pipeline": {"name": "deploy", "run_id": "77", "url": "https://ci.local/77"},
        "actor": "alice"},
    "dev.pts.deployment.succeeded": {"deployment_id": "d-1", "service": "api",
                                     "environment": "prod", "version": "1.4.2",
                                     "commit_time": "2026-11-27T08:00:00+01:00",
                                     "changes": [{"commit": "abc123",
                                                  "time": "2026-11-27T07:00:00Z"}]},
    "dev.pts.deployment.failed": {"deployment_id": "d-2", "service": "api",
                                  "environment": "prod", "reason": "health check"},
    "dev.pts.deployment.rolled_back": {"deployment_id": "d-1", "service": "api",
                                       "environment": "prod", "to_version": "1.4.1"},
    "dev.pts.deployment.cancelled": {"deployment_id": "d-3", "service": "api",
                                     "environment": "prod"},
    "dev.pts.service.registered": {"service": "api", "owner": "team-a", "tier": "1"},
    "dev.pts.service.started": {"service": "api", "environment": "prod", "version": "1.4.2"},
    "dev.pts.service.stopped": {"service": "api", "environment": "prod", "reason": "scale"},
    "dev.pts.service.health_changed": {"service": "api", "environment": "prod",
                                       "status": "degraded"},
    "dev.pts.service.decommissioned": {"service": "api"},
    "dev.pts.image.published": {"repository": "registry.local/api", "digest": DIGEST,
                                "tag": "1.4.2"},
    "dev.pts.change.merged": {"service": "api", "commit": "abc123",
                              "time": "2026-11-01T10:00:00Z"},
    "dev.pts.incident.opened": {"incident_id": "i-1", "service": "api", "environment": "prod"},
    "dev.pts.incident.resolved": {"incident_id": "i-1", "service": "api",
                                  "environment": "prod"},
}
