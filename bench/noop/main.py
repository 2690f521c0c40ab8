"""The baseline function: functions-framework, parses the JSON body, answers 202 with JSON.

It does what any function must (HTTP, parse the request, answer) and nothing PTS adds
(auth, validation, the database), so ingest's throughput is read as a fraction of it."""

import json

import flask
import functions_framework


@functions_framework.http
def noop(request):
    events = json.loads(request.get_data() or b"null")
    count = len(events) if isinstance(events, list) else 1
    return flask.Response(json.dumps({"accepted": count}), status=202,
                          content_type="application/json")
