"""GET /deadletters: events the broker gave up delivering, newest first (the listing:
pts.search.letters, shared with the CLI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pts.http.answers import listing
from pts.search.db import reading
from pts.search.letters import KEYSET, letters
from pts.search.pagination import Page
from pts.search.params import ListQuery, Text, Time
from pts.search.routes import Context
from pts.usecases.deadletter_model import DeadLetter

DeadLetterList = listing("DeadLetterList", DeadLetter)


class DeadLetterQuery(ListQuery):
    state: Literal["open", "redriven", "discarded", "all"] = Field(
        "open", description="Open (neither redriven nor discarded), redriven, discarded, or "
        "all.")
    type: Text | None = Field(None, description="Event type, exactly.")
    source: Text | None = Field(None, description="Event source, exactly.")
    subscriber: Text | None = Field(None, description="The subscriber that refused it (error "
                                    "destination), exactly.")
    since: Time | None = Field(None, description="Dead-lettered at or after.")


def list_deadletters(ctx: Context, f: DeadLetterQuery) -> dict[str, Any]:
    """Dead letters matching every filter, newest first."""
    with reading(ctx.settings, batched=True) as conn:
        items, next_cursor = letters(conn, Page(KEYSET, f, ctx.cursor_secret), f.state,
                                     since=f.since, type=f.type, source=f.source,
                                     subscriber=f.subscriber)
    return {"items": items, "next_cursor": next_cursor}
