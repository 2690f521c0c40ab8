"""GitLab: the Deployment Hook and the Pipeline Hook.

Both name the deployment by its job (`deployable_id`, a pipeline's build id), so the two
hooks of one deployment update the same PTS deployment. The full SHA is read from
`commit_url`; a pipeline's jobs count when they start an environment.
"""

from __future__ import annotations

from pts.config import Settings
from pts.webhooks.adapt import Adapted, Mapped, get, is_sha, text, timestamp

STATUS = {"running": "started", "success": "succeeded", "failed": "failed",
          "canceled": "cancelled", "cancelled": "cancelled"}


def _deployment(p: dict, project: str, job_id, environment, status, sha, time, url) -> Mapped:
    kind = STATUS[status]
    data = {"deployment_id": f"gitlab:{project}:job:{job_id}",
            "service": text(get(p, "project", "name")) or project.rsplit("/", 1)[-1],
            "environment": environment, "version": (sha or "")[:8] or None, "commit": sha}
    if kind == "started":
        data["pipeline"] = {"name": "gitlab", "run_id": str(job_id), "url": url}
        data["actor"] = text(get(p, "user", "username"))
    elif kind == "failed":
        data["reason"] = f"job {job_id} failed"
    return Mapped(f"dev.pts.deployment.{kind}", {k: v for k, v in data.items() if v is not None},
                  time)


def _sha_from(commit_url: str | None, short: str | None) -> str | None:
    tail = (commit_url or "").rstrip("/").rsplit("/", 1)[-1]
    return tail if is_sha(tail) else short


def adapt(headers: dict[str, str], p: dict, settings: Settings) -> Adapted:
    kind = text(p.get("object_kind")) or "unknown"
    project = text(get(p, "project", "path_with_namespace")) or "gitlab"
    # Idempotency-Key (GitLab 17.4+) is kept across retries. X-Gitlab-Event-UUID is not a
    # delivery id: every hook one event chain triggers shares it. Without a key, the body.
    out = Adapted(f"com.gitlab.{kind}", project, headers.get("idempotency-key"))
    if kind == "deployment":
        out.time = timestamp(p.get("status_changed_at"))
        status = p.get("status")
        if status in STATUS and p.get("environment"):
            sha = _sha_from(text(p.get("commit_url")), text(p.get("short_sha")))
            job = p.get("deployable_id") or p.get("deployment_id")
            out.mapped.append(_deployment(p, project, job, p["environment"], status, sha,
                                          out.time, text(p.get("deployable_url"))))
        else:
            out.note = f"deployment status {status!r} is not projected"
    elif kind == "pipeline":
        attrs = p.get("object_attributes") or {}
        out.time = timestamp(attrs.get("finished_at")) or timestamp(attrs.get("created_at"))
        sha = text(attrs.get("sha"))
        for build in p.get("builds") or []:
            env = get(build, "environment", "name")
            if not env or get(build, "environment", "action") not in (None, "start") or \
                    build.get("status") not in STATUS:
                continue
            time = (timestamp(build.get("finished_at")) or timestamp(build.get("started_at"))
                    or out.time)
            url = f"{text(get(p, 'project', 'web_url')) or ''}/-/jobs/{build.get('id')}"
            out.mapped.append(_deployment(p, project, build.get("id"), env,
                                          build["status"], sha, time, url))
        if not out.mapped:
            out.note = "no job of this pipeline deploys to an environment"
    else:
        out.note = f"GitLab {kind} events are kept, not projected"
    return out
