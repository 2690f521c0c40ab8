"""GET /api/status of the admin function (scope admin): the `pts status` report as JSON."""

from __future__ import annotations

import flask

from pts.config import Settings
from pts.db.pool import get_pool
from pts.http.problem import json_response
from pts.usecases.status import report


def answer(settings: Settings) -> flask.Response:
    """The status report (routed and authorized by pts.admin.web)."""

    with get_pool(settings).connection() as conn:
        doc = report(conn, settings)
        conn.rollback()
    return json_response(doc)
