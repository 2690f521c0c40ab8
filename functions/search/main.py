"""search: the read API over the event log and projections (routes: pts.search.app)."""

import functions_framework

from pts.db.pool import on_connect
from pts.http import cors, guard, secure
from pts.search.app import handle
from pts.search.warm import warm

# Every new connection of this process runs the common searches once before a request gets
# it: a fresh backend's first statements cost many times more (pts.search.warm).
on_connect(warm)


@functions_framework.http
@cors.with_cors
@secure.with_security_headers
@guard.guarded
def search(request):
    return handle(request)
