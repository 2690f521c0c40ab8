"""GET /deployments (filters, newest first) and GET /deployments/{id} with its timeline."""

from __future__ import annotations

from typing import Any

from pts.http.problem import Problem
from pts.search import schemas as s
from pts.search.db import fetch, reading, times
from pts.search.events import COLUMNS as EVENT_COLUMNS
from pts.search.events import CURSOR, LIMIT, event_json
from pts.search.keyset import Page, where_sql
from pts.search.params import Param, check_range, parse_query
from pts.search.routes import Context

STATUSES = ("started", "succeeded", "failed", "cancelled", "rolled_back")
FIELDS = {
    "deployment_id": s.TEXT, "service": s.TEXT, "environment": s.TEXT,
    "version": s.TEXT_OR_NULL, "image": s.TEXT_OR_NULL, "image_repository": s.TEXT_OR_NULL,
    "image_tag": s.TEXT_OR_NULL, "image_digest": s.TEXT_OR_NULL, "commit": s.TEXT_OR_NULL,
    "pipeline_name": s.TEXT_OR_NULL, "pipeline_run_id": s.TEXT_OR_NULL,
    "pipeline_url": s.TEXT_OR_NULL, "actor": s.TEXT_OR_NULL,
    "status": {"type": "string", "enum": list(STATUSES)},
    "started_at": s.TIME_OR_NULL, "succeeded_at": s.TIME_OR_NULL, "finished_at": s.TIME_OR_NULL,
    "duration_seconds": {"type": ["number", "null"]}, "reason": s.TEXT_OR_NULL,
    "replaced_deployment_id": s.TEXT_OR_NULL, "replaced_version": s.TEXT_OR_NULL,
    "is_rollback": s.BOOL, "rollback_inferred": s.BOOL, "rolled_back_at": s.TIME_OR_NULL,
    "rolled_back_to_version": s.TEXT_OR_NULL, "is_current": s.BOOL,
    "first_event_at": s.TIME, "last_event_at": s.TIME,
}
TIMES = [name for name, schema in FIELDS.items() if schema.get("format") == "date-time"]
COLUMNS = ", ".join(f'"{name}"' for name in FIELDS)
s.item("Deployment", FIELDS, "One deployment, as the deployments handler projects it.")
s.listing("DeploymentList", "Deployment")
s.item("DeploymentDetail", {**FIELDS, "events": {"type": "array", "items": s.ref("Event")}},
       "A deployment and its events in event-time order.")

PARAMS = [
    Param("service", "Service, exactly."),
    Param("environment", "Environment, exactly."),
    Param("status", "Status now.", "enum", values=STATUSES),
    Param("version", "Version, exactly."),
    Param("commit", "Commit, or a prefix of it."),
    Param("image_digest", "Image digest (`sha256:...`), exactly."),
    Param("image_repository", "Image repository, exactly."),
    Param("actor", "Who started it, exactly."),
    Param("since", "Began (first event) at or after.", "time"),
    Param("until", "Began before (exclusive).", "time"),
    Param("rollback", "Only rollbacks (true) or only forward deployments (false).", "bool"),
    Param("current", "Only what runs now (true) or the rest (false).", "bool"),
    LIMIT, CURSOR,
]
ID = Param("deployment_id", "The deployment id.")
_EXACT = {"service": "service", "environment": "environment", "status": "status",
          "version": "version", "image_digest": "image_digest",
          "image_repository": "image_repository", "actor": "actor",
          "rollback": "is_rollback", "current": "is_current"}


def list_deployments(ctx: Context) -> dict[str, Any]:
    """Deployments matching every filter, the most recently begun first."""
    f = parse_query(ctx.args, PARAMS)
    check_range(f, "since", "until")
    conds, params = [], {}
    for name, column in _EXACT.items():
        if f[name] is not None:
            conds.append(f'"{column}" = %({name})s')
            params[name] = f[name]
    if f["commit"]:
        conds.append('starts_with("commit", %(commit)s)')
        params["commit"] = f["commit"]
    if f["since"]:
        conds.append("first_event_at >= %(since)s")
        params["since"] = f["since"]
    if f["until"]:
        conds.append("first_event_at < %(until)s")
        params["until"] = f["until"]
    page = Page("deployments", f, ("first_event_at", "deployment_id"),
                ("timestamptz", "text"), descending=True)
    secret = ctx.cursor_secret
    page.resume(secret, conds, params)
    with reading(ctx.settings) as conn:
        rows, next_cursor = page.run(
            conn, f"SELECT {COLUMNS} FROM deployments{where_sql(conds)}", params, secret,
            lambda r: (r["first_event_at"].isoformat(), r["deployment_id"]))
    return {"items": [times(r, *TIMES) for r in rows], "next_cursor": next_cursor}


def get_deployment(ctx: Context) -> dict[str, Any]:
    """One deployment and the timeline of its events; 404 when unknown."""
    parse_query(ctx.args, [])
    did = ctx.path["deployment_id"]
    with reading(ctx.settings) as conn:
        rows = fetch(conn, f"SELECT {COLUMNS}, event_seqs FROM deployments "
                     "WHERE deployment_id = %(id)s", {"id": did})
        if not rows:
            raise Problem(404, f"no deployment {did!r}")
        row = rows[0]
        events = fetch(conn, f"SELECT {EVENT_COLUMNS} FROM platform_events "
                       "WHERE seq = ANY(%(seqs)s) ORDER BY occurred_at, seq",
                       {"seqs": row.pop("event_seqs")})
    return {**times(row, *TIMES), "events": [event_json(e) for e in events]}
