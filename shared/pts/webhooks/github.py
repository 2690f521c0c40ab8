"""GitHub: deployment_status, deployment, workflow_run and registry_package.

A workflow run counts as a deployment when its name or file matches one of
PTS_GITHUB_DEPLOY_WORKFLOWS (into PTS_GITHUB_DEPLOY_ENVIRONMENT); other events (push, ping,
…) are kept, not projected.
"""

from __future__ import annotations

import fnmatch

from pts.config import Settings
from pts.webhooks.adapt import Adapted, Mapped, get, text, timestamp

STATUS = {"queued": "started", "pending": "started", "in_progress": "started",
          "success": "succeeded", "failure": "failed", "error": "failed"}
CONCLUSION = {"success": "succeeded", "failure": "failed", "timed_out": "failed",
              "startup_failure": "failed", "cancelled": "cancelled"}


def _deployment(p: dict, repo: str, kind: str, time: str | None, status: dict | None) -> Mapped:
    d = p["deployment"]
    payload = d.get("payload") if isinstance(d.get("payload"), dict) else {}
    data = {"deployment_id": f"github:{repo}:{d.get('id')}",
            "service": text(payload.get("service")) or get(p, "repository", "name") or repo,
            "environment": text(get(status, "environment")) or text(d.get("environment")),
            "version": text(payload.get("version")) or text(d.get("ref")) or text(d.get("sha")),
            "commit": text(d.get("sha")), "image": text(payload.get("image"))}
    if kind == "started":
        data["pipeline"] = {"name": "github deployment", "run_id": str(d.get("id")),
                            "url": text(get(status, "target_url")) or text(d.get("url"))}
        data["actor"] = text(get(d, "creator", "login"))
    elif kind == "failed":
        data = {**data, "reason": text(get(status, "description")) or "deployment failed"}
    return Mapped(f"dev.pts.deployment.{kind}", _clean(data), time)


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


def _workflow(p: dict, repo: str, settings: Settings, out: Adapted) -> None:
    run = p.get("workflow_run") or {}
    name, path = text(run.get("name")) or "", text(run.get("path")) or ""
    patterns = settings.github_deploy_workflows
    if not any(fnmatch.fnmatch(v.lower(), pat.lower())
               for pat in patterns for v in (name, path, path.rsplit("/", 1)[-1]) if v):
        out.note = "this workflow is not a deployment (PTS_GITHUB_DEPLOY_WORKFLOWS)"
        return
    action = p.get("action")
    kind = "started" if action in ("requested", "in_progress") else (
        CONCLUSION.get(text(run.get("conclusion")) or "") if action == "completed" else None)
    if kind is None:
        out.note = f"workflow_run {action} / {run.get('conclusion')} is not projected"
        return
    sha = text(run.get("head_sha")) or ""
    data = {"deployment_id": f"github:{repo}:run:{run.get('id')}:{run.get('run_attempt') or 1}",
            "service": get(p, "repository", "name") or repo,
            "environment": settings.github_deploy_environment,
            "version": sha[:12] or text(run.get("head_branch")), "commit": sha or None}
    if kind == "started":
        data["pipeline"] = {"name": name, "run_id": str(run.get("id")),
                            "url": text(run.get("html_url"))}
        data["actor"] = text(get(run, "actor", "login"))
    out.mapped.append(Mapped(f"dev.pts.deployment.{kind}", _clean(data), out.time))


def _package(p: dict, out: Adapted) -> None:
    pkg = p.get("registry_package") or {}
    version = pkg.get("package_version") or {}
    if p.get("action") != "published" or str(pkg.get("package_type")).lower() not in (
            "container", "docker"):
        out.note = "only published container packages are projected"
        return
    tag_info = get(version, "container_metadata", "tag") or {}
    digest = next((v for v in (text(tag_info.get("digest")), text(version.get("name")),
                               text(version.get("version")))
                   if v and v.startswith("sha256:")), None)
    url = text(version.get("package_url")) or ""
    host = (text(get(pkg, "registry", "url")) or "https://ghcr.io").split("://", 1)[-1]
    repository = url.split("@", 1)[0].rsplit(":", 1)[0] if "/" in url else (
        f"{host.rstrip('/')}/{pkg.get('namespace')}/{pkg.get('name')}".lower())
    if digest is None:
        out.note = "the package version names no digest"
        return
    out.mapped.append(Mapped("dev.pts.image.published", _clean(
        {"repository": repository, "digest": digest, "tag": text(tag_info.get("name")),
         "service": get(p, "repository", "name")}), out.time))


def adapt(headers: dict[str, str], p: dict, settings: Settings) -> Adapted:
    event = headers.get("x-github-event") or "unknown"
    repo = text(get(p, "repository", "full_name")) or text(get(p, "organization", "login")) \
        or "github"
    out = Adapted(f"com.github.{event}", repo, headers.get("x-github-delivery"))
    if event == "deployment_status" and isinstance(p.get("deployment"), dict):
        status = p.get("deployment_status") or {}
        out.time = timestamp(status.get("updated_at")) or timestamp(status.get("created_at"))
        kind = STATUS.get(text(status.get("state")) or "")
        if kind:
            out.mapped.append(_deployment(p, repo, kind, out.time, status))
        else:
            out.note = f"deployment status {status.get('state')!r} is not projected"
    elif event == "deployment" and isinstance(p.get("deployment"), dict):
        out.time = timestamp(p["deployment"].get("created_at"))
        out.mapped.append(_deployment(p, repo, "started", out.time, None))
    elif event == "workflow_run":
        out.time = timestamp(get(p, "workflow_run", "updated_at"))
        _workflow(p, repo, settings, out)
    elif event == "registry_package":
        out.time = timestamp(get(p, "registry_package", "package_version", "created_at")) or \
            timestamp(get(p, "registry_package", "updated_at"))
        _package(p, out)
    else:
        out.note = f"GitHub {event} events are kept, not projected"
    return out
