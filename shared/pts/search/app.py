"""The search function's routes, in the order they are matched and documented."""

from __future__ import annotations

import flask

from pts.search import events, openapi
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
]


def get_openapi(ctx: Context) -> dict:
    """The OpenAPI 3.1 document of every route."""
    parse_query(ctx.args, [])
    return openapi.document(ROUTES)


ROUTES.append(Route("/openapi.json", get_openapi, "This document (OpenAPI 3.1)", "OpenAPI"))


def handle(request: flask.Request) -> flask.Response:
    """Answer one request of the search function."""
    return dispatch(request, ROUTES)
