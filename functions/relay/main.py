"""relay: re-emit events whose emission was not acknowledged (PingSource, cron-connector,
or the timer of `pts up` call it)."""

import functions_framework

from pts.auth import require_broker
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.eventing.relay import relay_once
from pts.http.guard import guarded, require_method
from pts.http.problem import json_response


@functions_framework.http
@guarded(paths=("/",))
def relay(request):
    require_method(request, "POST")
    settings = get_settings()
    require_broker(request, settings, function="relay")
    return json_response(relay_once(get_pool(settings), settings).as_json())
