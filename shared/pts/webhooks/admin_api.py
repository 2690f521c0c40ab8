"""POST /api/webhooks of the admin function (pts.admin.credentials answers the rest):
{"name", "kind", "source_prefix"?} -> {"name", "kind", "url", "secret", ...}, the secret
shown this once."""

from __future__ import annotations

from typing import Any

from pts.http.problem import Problem
from pts.webhooks import store


def create(doc: dict[str, Any], pool: Any) -> dict[str, Any]:
    """A new integration from a request's body; Problem 422 when the body is wrong,
    store.NameTaken when a live integration has the name."""
    name, kind, prefix = doc.get("name"), doc.get("kind"), doc.get("source_prefix")
    errors = store.check(name, kind, prefix)
    # (check refuses a name or kind that is no string: the isinstance tests only say so.)
    if errors or not isinstance(name, str) or not isinstance(kind, str):
        raise Problem(422, "the webhook integration cannot be created", errors=errors)
    secret, integration = store.create(pool, name, kind,
                                       prefix if isinstance(prefix, str) and prefix else None)
    return {**integration.as_json(), "secret": secret}
