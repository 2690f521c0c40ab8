"""GET /annotations: deployments as flat rows for Grafana's Infinity data source (time and
timeEnd in epoch milliseconds, title, text, comma-separated tags)."""

from __future__ import annotations

from typing import Any

from pts.search import schemas as s
from pts.search.db import fetch, reading
from pts.search.dora import window
from pts.search.params import Param, parse_query
from pts.search.routes import Context

QUERY = """
SELECT deployment_id, service, environment, version, commit, image, status, reason,
    is_rollback, COALESCE(started_at, first_event_at) AS began,
    COALESCE(finished_at, rolled_back_at) AS ended
FROM deployments
WHERE first_event_at >= %(since)s AND first_event_at < %(until)s {conds}
ORDER BY first_event_at DESC, deployment_id DESC LIMIT %(limit)s
"""
MS = {"type": "integer", "description": "Epoch milliseconds."}
s.item("Annotation", {
    "time": MS, "timeEnd": MS, "title": s.TEXT, "text": s.TEXT,
    "tags": {"type": "string", "description": "Comma-separated: pts, deployment, the "
             "environment, the service, the status, and rollback for a rollback."},
}, "One deployment: from its start to its finish (timeEnd = time while it runs).")
SCHEMA = "AnnotationList"
s.SCHEMAS[SCHEMA] = {"type": "array", "items": s.ref("Annotation"),
                     "description": "Deployments begun in [since, until), newest first."}

PARAMS = [
    Param("environment", "Environment, exactly."),
    Param("service", "Service, exactly."),
    Param("since", "Begun at or after (Grafana: ${__from:date:iso}); default: until "
          "minus 30 days.", "time"),
    Param("until", "Begun before (Grafana: ${__to:date:iso}); default: now.", "time"),
    Param("limit", "At most this many rows, the newest.", "int", default=1000, minimum=1,
          maximum=10000),
]


def _ms(value) -> int:
    return int(value.timestamp() * 1000)


def row(d: dict[str, Any]) -> dict[str, Any]:
    """One deployment as an annotation row."""
    began = _ms(d["began"])
    what = f"{d['service']} {d['version'] or ''}".strip()
    text = [f"{what} to {d['environment']}: {d['status']} (deployment {d['deployment_id']})"]
    text += [f"{k}: {d[k]}" for k in ("commit", "image", "reason") if d[k]]
    tags = ["pts", "deployment", d["environment"], d["service"], d["status"]]
    if d["is_rollback"]:
        tags.append("rollback")
    return {"time": began, "timeEnd": _ms(d["ended"]) if d["ended"] else began,
            "title": f"{what} to {d['environment']} {d['status']}", "text": "\n".join(text),
            "tags": ",".join(t.replace(",", " ") for t in tags)}


def list_annotations(ctx: Context) -> list[dict[str, Any]]:
    """Deployments begun in the window as Grafana annotation rows, newest first."""
    f = parse_query(ctx.args, PARAMS)
    since, until = window(f)
    conds, params = "", {"since": since, "until": until, "limit": f["limit"]}
    for name in ("environment", "service"):
        if f[name] is not None:
            conds += f" AND {name} = %({name})s"
            params[name] = f[name]
    with reading(ctx.settings) as conn:
        return [row(d) for d in fetch(conn, QUERY.format(conds=conds), params)]
