"""images: the images projection's handler. The broker POSTs each event
(CloudEvents binary or structured mode); 204 with an empty body when applied or already applied."""

import functions_framework

from pts.http.guard import guarded
from pts.projections.delivery import handle


@functions_framework.http
@guarded(paths=("/",))
def images(request):
    return handle(request, "images")
