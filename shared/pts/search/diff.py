"""GET /environments/diff: per service, what runs in one environment against another."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from pts.http.answers import Answer, Inline
from pts.insights.diff import diff
from pts.search.db import reading, times
from pts.search.params import Bool, Query, Text
from pts.search.routes import Context


class Side(Inline):
    """What runs there; null where the service does not run (never deployed or started
    there, stopped, decommissioned)."""

    version: str | None
    image_digest: str | None
    commit: str | None
    since: datetime | None


class EnvironmentDiffItem(Answer):
    """One service on both sides. Same: equal digests, or without digests equal versions."""

    service: str
    same: bool
    from_: Side | None = Field(alias="from")
    to: Side | None


class EnvironmentDiff(Answer):
    """Every service named in either environment, by name; only those that differ unless
    all=true."""

    items: list[EnvironmentDiffItem]


class DiffQuery(Query):
    from_: Text = Field(alias="from", description="One environment (e.g. staging).")
    to: Text = Field(description="The other environment (e.g. prod).")
    all: Bool = Field(False, description="List the services that are the same too.")


def get_diff(ctx: Context, f: DiffQuery) -> dict[str, Any]:
    """What runs in `from` against `to`, service by service."""
    with reading(ctx.settings) as conn:
        items = diff(conn, f.from_, f.to, f.all)
    for item in items:
        for key in ("from", "to"):
            if item[key] is not None:
                times(item[key], "since")
    return {"items": items}
