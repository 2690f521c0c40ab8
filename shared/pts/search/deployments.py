"""GET /deployments (filters, newest first) and GET /deployments/{id} with its timeline."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pts.http.answers import answer, columns_of, listing
from pts.http.problem import Problem
from pts.projections.models import Deployment as DeploymentTable
from pts.search.db import fetch_all, reading
from pts.search.events import EVENTS_JSON, Event, json_array, rfc3339_sql
from pts.search.pagination import Keyset, Page
from pts.search.params import Bool, ListQuery, Query, Text, Time
from pts.search.routes import Context

STATUSES = ("started", "succeeded", "failed", "cancelled", "rolled_back")
Status = Literal["started", "succeeded", "failed", "cancelled", "rolled_back"]
NAMES = ("deployment_id", "service", "environment", "version", "image", "image_repository",
         "image_tag", "image_digest", "commit", "pipeline_name", "pipeline_run_id",
         "pipeline_url", "actor", "status", "started_at", "succeeded_at", "finished_at",
         "duration_seconds", "reason", "replaced_deployment_id", "replaced_version",
         "is_rollback", "rollback_inferred", "rolled_back_at", "rolled_back_to_version",
         "is_current", "first_event_at", "last_event_at")
FIELDS = {**columns_of(DeploymentTable, NAMES), "status": (Status, Field())}
TIMES = [n for n in NAMES if n.endswith("_at")]
COLUMNS = ", ".join(f'"{name}"' for name in NAMES)
Deployment = answer("Deployment", "One deployment, as the deployments handler projects it.",
                    FIELDS)
DeploymentList = listing("DeploymentList", Deployment)
DeploymentDetail = answer("DeploymentDetail", "A deployment and its events in event-time "
                          "order.", {**FIELDS, "events": (list[Event], Field())})  # type: ignore[valid-type]


# The list as each row's JSON object, written by PostgreSQL (row_to_json of j: keys in NAMES
# order, times as answered, a duration as Python writes a float: `300.0`, not `300`), joined
# in Python; the sort key read beside it, for the cursor. Columns are named d.<name>: j's
# have the same names.
_DURATION = ("CASE WHEN d.duration_seconds = trunc(d.duration_seconds) "
             "AND abs(d.duration_seconds) < 1e16 "
             "THEN (trunc(d.duration_seconds)::numeric::text || '.0')::json "
             "ELSE to_json(d.duration_seconds) END")
_AS_JSON = ", ".join(f"{rfc3339_sql('d.' + n)}" if n in TIMES else _DURATION
                     if n == "duration_seconds" else f'd."{n}"' for n in NAMES)
LIST = f"""SELECT row_to_json(j)::text AS json, d.first_event_at, d.deployment_id
FROM deployments d CROSS JOIN LATERAL (SELECT {_AS_JSON}) AS j({COLUMNS})"""
KEYSET = Keyset("deployments", ("d.first_event_at", "d.deployment_id"),
                ("timestamptz", "text"), descending=True)


def _about(description: str) -> Any:
    return Field(None, description=description)


class DeploymentQuery(ListQuery):
    RANGES = (("since", "until"),)

    service: Text | None = _about("Service, exactly.")
    environment: Text | None = _about("Environment, exactly.")
    status: Status | None = _about("Status now.")
    version: Text | None = _about("Version, exactly.")
    commit: Text | None = _about("Commit, or a prefix of it.")
    image_digest: Text | None = _about("Image digest (`sha256:...`), exactly.")
    image_repository: Text | None = _about("Image repository, exactly.")
    actor: Text | None = _about("Who started it, exactly.")
    since: Time | None = _about("Began (first event) at or after.")
    until: Time | None = _about("Began before (exclusive).")
    rollback: Bool | None = _about("Only rollbacks (true) or only forward deployments "
                                   "(false).")
    current: Bool | None = _about("Only what runs now (true) or the rest (false).")


class DeploymentPath(Query):
    PATH = ("deployment_id",)

    deployment_id: Text = Field(description="The deployment id.")


_EXACT = {"service": "service", "environment": "environment", "status": "status",
          "version": "version", "image_digest": "image_digest",
          "image_repository": "image_repository", "actor": "actor",
          "rollback": "is_rollback", "current": "is_current"}


def list_deployments(ctx: Context, f: DeploymentQuery) -> dict[str, Any]:
    """Deployments matching every filter, the most recently begun first."""
    conds, params = [], {}
    for name, column in _EXACT.items():
        if getattr(f, name) is not None:
            conds.append(f'd."{column}" = %({name})s')
            params[name] = getattr(f, name)
    if f.commit:
        conds.append('starts_with(d."commit", %(commit)s)')
        params["commit"] = f.commit
    if f.since:
        conds.append("d.first_event_at >= %(since)s")
        params["since"] = f.since
    if f.until:
        conds.append("d.first_event_at < %(until)s")
        params["until"] = f.until
    page = Page(KEYSET, f, ctx.cursor_secret)
    with reading(ctx.settings, batched=True) as conn:
        rows, next_cursor = page.run(conn, LIST, conds, params, text_times=True)
    return {"items": json_array(rows), "next_cursor": next_cursor}


def get_deployment(ctx: Context, f: DeploymentPath) -> dict[str, Any]:
    """One deployment and the timeline of its events; 404 when unknown."""
    did = f.deployment_id
    # One round trip: the deployment, and its events by its seqs (read in SQL).
    with reading(ctx.settings, batched=True) as conn:
        rows, events = fetch_all(conn, [
            (f"SELECT {COLUMNS} FROM deployments WHERE deployment_id = %(id)s", {"id": did}),
            (f"{EVENTS_JSON} WHERE platform_events.seq = ANY((SELECT "
             "event_seqs FROM deployments WHERE deployment_id = %(id)s)::bigint[]) "
             "ORDER BY platform_events.occurred_at, platform_events.seq",
             {"id": did})], text_times=True)
    if not rows:
        raise Problem(404, f"no deployment {did!r}")
    return {**rows[0], "events": json_array(events)}
