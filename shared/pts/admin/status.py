"""GET /api/status of the admin function (scope admin): the `pts status` report as JSON."""

from __future__ import annotations

import flask

from pts.auth import ADMIN, authorize
from pts.config import Settings
from pts.db.pool import get_pool
from pts.http.guard import require_method
from pts.http.problem import json_response
from pts.usecases.status import report


def handle(request: flask.Request, settings: Settings) -> flask.Response:
    require_method(request, "GET")
    authorize(request, ADMIN, function="admin", settings=settings)
    with get_pool(settings).connection() as conn:
        doc = report(conn, settings)
        conn.rollback()
    return json_response(doc)
