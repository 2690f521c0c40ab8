"""deadletter: the broker's dead-letter sink. Stores each event it receives with its error
(knativeerrordest, knativeerrorcode, knativeerrordata) and answers 2xx with an empty body."""

import functions_framework

from pts.http.guard import guarded
from pts.usecases import deadletter_request


@functions_framework.http
@guarded(paths=("/",))
def deadletter(request):
    return deadletter_request.handle(request)
