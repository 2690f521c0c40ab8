"""ingest: accept events over HTTP and append them to the immutable log."""

import functions_framework

from pts.http.guard import guarded
from pts.usecases import ingest_request


@functions_framework.http
@guarded(paths=("/",))
def ingest(request):
    return ingest_request.handle(request)
