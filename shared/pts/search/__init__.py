"""search: the operators' read API (events, deployments, services, images, environments).

`routes.dispatch` is the one place every request passes; the routing table, the parameter
declarations and the OpenAPI document all come from the same `Route` and `Param` objects.
"""
