"""admin: the operators' page and its small API (routes: pts.admin.web)."""

import functions_framework

from pts.admin.web import handle
from pts.http import cors, guard, secure


@functions_framework.http
@cors.with_cors
@secure.with_security_headers
@guard.guarded
def admin(request):
    return handle(request)
