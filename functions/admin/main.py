"""admin: the operators' page (static, asks for a token) and its small token API."""

import functions_framework

from pts.admin.web import handle
from pts.http.cors import with_cors
from pts.http.guard import guarded
from pts.http.secure import with_security_headers


@functions_framework.http
@with_cors
@with_security_headers
@guarded
def admin(request):
    return handle(request)
