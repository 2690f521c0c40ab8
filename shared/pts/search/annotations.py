"""GET /annotations: deployments as flat rows for Grafana's Infinity data source (time and
timeEnd in epoch milliseconds, title, text, comma-separated tags)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, RootModel

from pts.http.answers import Answer
from pts.search.db import fetch, reading
from pts.search.dora import window
from pts.search.params import Query, Text, Time, int_text
from pts.search.routes import Context

QUERY = """
SELECT deployment_id, service, environment, version, commit, image, status, reason,
    is_rollback, COALESCE(started_at, first_event_at) AS began,
    COALESCE(finished_at, rolled_back_at) AS ended
FROM deployments
WHERE first_event_at >= %(since)s AND first_event_at < %(until)s {conds}
ORDER BY first_event_at DESC, deployment_id DESC LIMIT %(limit)s
"""
Ms = Annotated[int, Field(description="Epoch milliseconds.")]


class Annotation(Answer):
    """One deployment: from its start to its finish (timeEnd = time while it runs)."""

    time: Ms
    timeEnd: Ms  # noqa: N815 - Grafana's column name
    title: str
    text: str
    tags: str = Field(description="Comma-separated: pts, deployment, the environment, the "
                      "service, the status, and rollback for a rollback.")


class AnnotationList(RootModel[list[Annotation]]):
    """Deployments begun in [since, until), newest first."""


class AnnotationQuery(Query):
    environment: Text | None = Field(None, description="Environment, exactly.")
    service: Text | None = Field(None, description="Service, exactly.")
    since: Time | None = Field(None, description="Begun at or after (Grafana: "
                               "${__from:date:iso}); default: until minus 30 days.")
    until: Time | None = Field(None, description="Begun before (Grafana: ${__to:date:iso}); "
                               "default: now.")
    limit: Annotated[int, Field(ge=1, le=10000, description="At most this many rows, the "
                                "newest."), BeforeValidator(int_text)] = 1000


def _ms(value: datetime) -> int:
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


def list_annotations(ctx: Context, f: AnnotationQuery) -> list[dict[str, Any]]:
    """Deployments begun in the window as Grafana annotation rows, newest first."""
    since, until = window(f.since, f.until)
    conds, params = "", {"since": since, "until": until, "limit": f.limit}
    for name in ("environment", "service"):
        if getattr(f, name) is not None:
            conds += f" AND {name} = %({name})s"
            params[name] = getattr(f, name)
    with reading(ctx.settings, batched=True) as conn:
        return [row(d) for d in fetch(conn, QUERY.format(conds=conds), params)]
