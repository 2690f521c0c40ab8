"""deadletter: the broker's dead-letter sink. Stores each event it receives with its error
(knativeerrordest, knativeerrorcode, knativeerrordata) and answers 2xx with an empty body."""

import flask
import functions_framework

from pts.auth import require_broker
from pts.cloudevents.decode import decode_checked
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.http.guard import guarded, read_body, require_method
from pts.http.observe import note_events
from pts.usecases import deadletters


@functions_framework.http
@guarded(paths=("/",))
def deadletter(request):
    require_method(request, "POST")
    settings = get_settings()
    require_broker(request, settings, function="deadletter")
    body = read_body(request, settings.max_body_bytes)
    events = decode_checked(request.headers, body, settings)
    note_events(request, events)
    with get_pool(settings).connection() as conn, conn.transaction():
        for event in events:
            deadletters.store(conn, event)
    return flask.Response(status=204)
