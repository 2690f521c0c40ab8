"""The Authorization header's parser (`bearer_token`), without a database: which headers carry
a token, and the 401 every other one gets. test_auth_routes.py sends each of these malformed
headers through HTTP to some routes, and a malformed header to every route."""

from __future__ import annotations

import flask
import pytest

from pts.auth import audit
from pts.auth.authorize import MAX_TOKEN_LENGTH, bearer_token
from pts.http.problem import Problem

app = flask.Flask(__name__)


def parse(header: str | None) -> str:
    headers = {} if header is None else {"Authorization": header}
    with app.test_request_context("/", headers=headers):
        return bearer_token(flask.request, "ingest")


def refusal(header: str | None) -> Problem:
    with pytest.raises(Problem) as refused:
        parse(header)
    return refused.value


@pytest.mark.parametrize(("header", "token"), [
    ("Bearer pts_abc-123", "pts_abc-123"),
    ("bearer pts_abc", "pts_abc"),  # the scheme is case-insensitive (RFC 7235)
    ("BEARER  pts_abc ", "pts_abc"),
    ("Bearer a.b~c+d/e==", "a.b~c+d/e=="),  # RFC 6750's b64token alphabet
    ("Bearer " + "t" * MAX_TOKEN_LENGTH, "t" * MAX_TOKEN_LENGTH),
])
def test_a_bearer_header_yields_its_token(header, token):
    assert parse(header) == token


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer two words", "Bearer tok\u00e9n",
    "Bearer =abc", "Token pts_abc", "Bearerpts_abc", "Bearer pts_abc\x00",
    "Bearer " + "t" * (MAX_TOKEN_LENGTH + 1),
])
def test_a_malformed_header_is_401_invalid_request(header):
    problem = refusal(header)
    assert problem.status == 401
    assert problem.headers["WWW-Authenticate"] == 'Bearer realm="pts", error="invalid_request"'
    assert audit.failure_counts() == {"malformed header": 1}


@pytest.mark.parametrize("header", [None, ""])
def test_no_header_is_401_with_a_bare_challenge(header):
    problem = refusal(header)
    assert problem.status == 401
    assert problem.headers["WWW-Authenticate"] == 'Bearer realm="pts"'
    assert audit.failure_counts() == {"no token": 1}
