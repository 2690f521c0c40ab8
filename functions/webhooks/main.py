"""webhooks: deliveries of GitHub, GitLab, Argo CD, Flux, Harbor and registries, at
/function/webhooks/<integration name>, authenticated with the integration's secret."""

import functions_framework

from pts.config import get_settings
from pts.http.guard import guarded, read_body, require_method
from pts.http.problem import Problem, json_response
from pts.webhooks.receive import receive


@functions_framework.http
@guarded
def webhooks(request):
    require_method(request, "POST")
    name = request.path.strip("/")
    if not name or "/" in name:
        raise Problem(404, "post to /function/webhooks/<integration name> "
                      "(pts webhook create NAME --kind KIND)")
    settings = get_settings()
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = read_body(request, settings.max_body_bytes)
    return json_response(receive(name, headers, body, settings, request.remote_addr), status=202)
