"""The search function's routes, in the order they are matched and documented."""

from __future__ import annotations

import flask

from pts.search import (
    annotations,
    deadletters,
    deployments,
    diff,
    dora,
    environments,
    events,
    images,
    openapi,
    services,
)
from pts.search.params import parse_query
from pts.search.routes import Context, Route, dispatch

ROUTES: list[Route] = [
    Route("/events", events.list_events, "Search the event log, newest first", "EventList",
          params=events.EVENT_PARAMS, data_filters=True,
          description="Filters combine with AND. `data.<path>=<value>` (any number) matches "
          "events whose data holds value at the dotted path (as a string, as the JSON "
          "number/boolean/null it spells, or as an element of an array there)."),
    Route("/events/{seq}", events.get_event, "One event, every attribute and its data",
          "Event", path_params=[events.SEQ], not_found=True),
    Route("/deployments", deployments.list_deployments, "Deployments, most recently begun "
          "first", "DeploymentList", params=deployments.PARAMS),
    Route("/deployments/{deployment_id}", deployments.get_deployment,
          "One deployment and the timeline of its events", "DeploymentDetail",
          path_params=[deployments.ID], not_found=True),
    Route("/services", services.list_services, "Services and their state per environment",
          "ServiceList", params=services.PARAMS),
    Route("/services/{name}", services.get_service, "One service: environments, recent "
          "transitions and deployments", "ServiceDetail", path_params=[services.NAME],
          not_found=True),
    Route("/images", images.list_images, "Images: publication, tags, where and when they ran",
          "ImageList", params=images.PARAMS),
    Route("/environments", environments.list_environments, "The service x environment "
          "matrix, now or at a past time (`at`)", "CellList", params=environments.PARAMS),
    Route("/environments/diff", diff.get_diff, "Per service, what runs in one environment "
          "against another", "EnvironmentDiff", params=diff.PARAMS),
    Route("/dora", dora.get_dora, "The DORA four keys of an environment over a window",
          "Dora", params=dora.PARAMS, description="Deployment frequency, lead time for "
          "changes, change failure rate and time to restore over [since, until); the "
          "definitions, exact enough to check by hand, are in docs/dora.md."),
    Route("/annotations", annotations.list_annotations, "Deployments as Grafana annotation "
          "rows (Infinity data source)", annotations.SCHEMA, params=annotations.PARAMS),
    Route("/deadletters", deadletters.list_deadletters, "Dead-lettered events, newest first",
          "DeadLetterList", params=deadletters.PARAMS),
]


def get_openapi(ctx: Context) -> dict:
    """The OpenAPI 3.1 document of every route."""
    parse_query(ctx.args, [])
    return openapi.document(ROUTES)


ROUTES.append(Route("/openapi.json", get_openapi, "This document (OpenAPI 3.1)", "OpenAPI",
                    public=True))


def handle(request: flask.Request) -> flask.Response:
    """Answer one request of the search function."""
    return dispatch(request, ROUTES)
