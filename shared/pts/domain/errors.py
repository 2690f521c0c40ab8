"""What PTS's own rules refuse, said without HTTP.

Use cases (ingest, the projections' delivery, the webhooks' integrations) raise these; the
HTTP edge answers each kind with its status, in one place (pts.http.errors). `errors` names
the offending parts: dicts of index (in the request), field and message.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A request PTS refuses by its own rules."""

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class Malformed(Refused):
    """Not what the contract takes: a CloudEvents attribute missing or of the wrong form."""


class Invalid(Refused):
    """Well-formed, but the catalog or a projection's rules refuse it."""


class Conflict(Refused):
    """It clashes with what is stored: the same (source, id) with other content."""


class NotFound(Refused):
    """It names something that does not exist."""
