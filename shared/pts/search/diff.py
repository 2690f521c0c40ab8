"""GET /environments/diff: per service, what runs in one environment against another."""

from __future__ import annotations

from typing import Any

from pts.insights.diff import diff
from pts.search import schemas as s
from pts.search.db import reading, times
from pts.search.params import Param, parse_query
from pts.search.routes import Context

SIDE = {"type": ["object", "null"], "description": "What runs there; null where the "
        "service does not run (never deployed or started there, stopped, decommissioned).",
        "properties": {"version": s.TEXT_OR_NULL, "image_digest": s.TEXT_OR_NULL,
                       "commit": s.TEXT_OR_NULL, "since": s.TIME_OR_NULL},
        "required": ["version", "image_digest", "commit", "since"],
        "additionalProperties": False}
s.item("EnvironmentDiffItem", {"service": s.TEXT, "same": s.BOOL, "from": SIDE, "to": SIDE},
       "One service on both sides. Same: equal digests, or without digests equal versions.")
s.item("EnvironmentDiff", {"items": {"type": "array", "items": s.ref("EnvironmentDiffItem")}},
       "Every service named in either environment, by name; only those that differ "
       "unless all=true.")

PARAMS = [
    Param("from", "One environment (e.g. staging).", required=True),
    Param("to", "The other environment (e.g. prod).", required=True),
    Param("all", "List the services that are the same too.", "bool", default=False),
]


def get_diff(ctx: Context) -> dict[str, Any]:
    """What runs in `from` against `to`, service by service."""
    f = parse_query(ctx.args, PARAMS)
    with reading(ctx.settings) as conn:
        items = diff(conn, f["from"], f["to"], f["all"])
    for item in items:
        for key in ("from", "to"):
            if item[key] is not None:
                times(item[key], "since")
    return {"items": items}
