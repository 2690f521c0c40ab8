"""relay: re-emit events whose emission was not acknowledged (PingSource, cron-connector,
or the timer of `pts up` call it)."""

import functions_framework

from pts.http.guard import guarded
from pts.usecases import relay_request


@functions_framework.http
@guarded(paths=("/",))
def relay(request):
    return relay_request.handle(request)
