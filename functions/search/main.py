"""search: the read API over the event log and projections (routes: pts.search.app)."""

import functions_framework

from pts.http import cors, guard, secure
from pts.search import warm  # noqa: F401 - new connections answer the common searches first
from pts.search.app import handle


@functions_framework.http
@cors.with_cors
@secure.with_security_headers
@guard.guarded
def search(request):
    return handle(request)
