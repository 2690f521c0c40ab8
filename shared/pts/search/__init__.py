"""search: the operators' read API (events, deployments, services, images, environments).

`app.ROUTES` lists the routes (path, handler, pydantic query and answer models); `routes`
routes them on werkzeug, `params` validates parameters, `answers` declares answers from the
tables' models, `openapi` generates the document and `pagination` pages every list.
"""
