"""search: the operators' read API over the event log and the projections (JSON, GET only).

Routes, parameters and the OpenAPI document live in pts.search; GET /openapi.json lists them.
"""

import functions_framework

from pts.http.cors import with_cors
from pts.http.guard import guarded
from pts.http.secure import with_security_headers
from pts.search.app import handle


@functions_framework.http
@with_cors
@with_security_headers
@guarded
def search(request):
    return handle(request)
