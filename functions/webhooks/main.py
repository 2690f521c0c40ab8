"""webhooks: deliveries of GitHub, GitLab, Argo CD, Flux, Harbor and registries, at
/function/webhooks/<integration name>, authenticated with the integration's secret."""

import functions_framework

from pts.http.guard import guarded
from pts.webhooks import receive


@functions_framework.http
@guarded
def webhooks(request):
    return receive.handle(request)
