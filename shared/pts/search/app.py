"""The search function's routes, in the order they are documented; `handle` answers one
request through them."""

from __future__ import annotations

from functools import cache
from typing import Any

import flask
from pydantic import BaseModel, ConfigDict

from pts.search import annotations as grafana_annotations
from pts.search import (
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
from pts.search.routes import Context, NoQuery, Route, Routes, dispatch


class OpenAPI(BaseModel):
    """An OpenAPI 3.1 document."""

    model_config = ConfigDict(extra="allow")
    openapi: str
    paths: dict[str, Any]


ROUTES: list[Route] = [
    Route("/events", events.list_events, "Search the event log, newest first",
          events.EventList, events.EventQuery,
          description="Filters combine with AND. `data.<path>=<value>` (any number) matches "
          "events whose data holds value at the dotted path (as a string, as the JSON "
          "number/boolean/null it spells, or as an element of an array there)."),
    Route("/events/{seq}", events.get_event, "One event, every attribute and its data",
          events.Event, events.EventPath, not_found=True),
    Route("/deployments", deployments.list_deployments, "Deployments, most recently begun "
          "first", deployments.DeploymentList, deployments.DeploymentQuery),
    Route("/deployments/{deployment_id}", deployments.get_deployment,
          "One deployment and the timeline of its events", deployments.DeploymentDetail,
          deployments.DeploymentPath, not_found=True),
    Route("/services", services.list_services, "Services and their state per environment",
          services.ServiceList, services.ServiceQuery),
    Route("/services/{name}", services.get_service, "One service: environments, recent "
          "transitions and deployments", services.ServiceDetail, services.ServicePath,
          not_found=True),
    Route("/images", images.list_images, "Images: publication, tags, where and when they ran",
          images.ImageList, images.ImageQuery),
    Route("/environments", environments.list_environments, "The service x environment "
          "matrix, now or at a past time (`at`)", environments.CellList,
          environments.EnvironmentQuery),
    Route("/environments/diff", diff.get_diff, "Per service, what runs in one environment "
          "against another", diff.EnvironmentDiff, diff.DiffQuery),
    Route("/dora", dora.get_dora, "The DORA four keys of an environment over a window",
          dora.Dora, dora.DoraQuery, description="Deployment frequency, lead time for "
          "changes, change failure rate and time to restore over [since, until); the "
          "definitions, exact enough to check by hand, are in docs/dora.md."),
    Route("/annotations", grafana_annotations.list_annotations, "Deployments as Grafana "
          "annotation rows (Infinity data source)", grafana_annotations.AnnotationList,
          grafana_annotations.AnnotationQuery),
    Route("/deadletters", deadletters.list_deadletters, "Dead-lettered events, newest first",
          deadletters.DeadLetterList, deadletters.DeadLetterQuery),
]


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document of every route, made once per process."""
    return openapi.document(ROUTES)


def get_openapi(ctx: Context, query: NoQuery) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route."""
    return document()


ROUTES.append(Route("/openapi.json", get_openapi, "This document (OpenAPI 3.1)", OpenAPI,
                    public=True))
TABLE = Routes(ROUTES)


def handle(request: flask.Request) -> flask.Response:
    """Answer one request of the search function."""
    return dispatch(request, TABLE)
