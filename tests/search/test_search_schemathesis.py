"""schemathesis against /openapi.json, in process, through the combined WSGI app as `pts up`
serves it (/function/search/...), on a populated database: no 5xx, and every response
(status, content type, body) matches the document."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)

from pts.domain.timefmt import parse_rfc3339
from pts.runtime.app import build_app
from tests.support.env import TEST_TOKEN
from tests.support.search_data import KNOWN, PLATFORM, project, put

APP = build_app()
schema = schemathesis.openapi.from_wsgi("/function/search/openapi.json", APP)


@pytest.fixture
def populated(db_url, sql):
    project(PLATFORM)
    for name, type_, subject, time, received, data, source in KNOWN:
        put(sql, type_, data, time=time, received_at=received, subject=subject, source=source,
            id=f"known-{name}")


RANGES = (("since", "until"), ("received_since", "received_until"))


def _inverted(case) -> str | None:
    """The range parameter of a schema-valid query whose start is after its end."""
    query = case.query or {}
    for low, high in RANGES:
        try:
            if parse_rfc3339(str(query[low])) > parse_rfc3339(str(query[high])):
                return low
        except (KeyError, ValueError):
            continue  # absent, or not a date-time (a negative case: any 4xx is right)
    return None


@schema.parametrize()
@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_conforms(case, populated):
    # A cursor is only ever one this API gave (HMAC): generated ones are refused by design
    # (tests/search/test_search_events.py covers them), so they are not sent here.
    popped = bool(case.query) and case.query.pop("cursor", None) is not None
    response = case.call(headers={"Authorization": f"Bearer {TEST_TOKEN}"})
    # What the test overrides (the cursor, the token) may be what made a negative case
    # invalid: such a case is no longer known to be invalid, so "must be rejected" is off.
    meta = case.meta
    overridden = meta is not None and (meta.is_negative_at(ParameterLocation.HEADER) or (
        popped and meta.is_negative_at(ParameterLocation.QUERY)))
    skip = [ignored_auth] + ([negative_data_rejection] if overridden else [])
    if response.status_code == 404 and "%0A" in urlsplit(response.request.url).path.upper():
        # functions-framework's router (`/<path:path>`) matches no newline: its own HTML 404
        # answers before search runs. Still a 404, never a 5xx.
        return
    bad_range = _inverted(case)
    # A negative header case may drop Authorization whatever the test sends: then 401 comes
    # before any parameter is read, a contradictory range included.
    no_token = response.status_code == 401 and meta is not None and meta.is_negative_at(
        ParameterLocation.HEADER)
    # Auth is tested route by route in tests/auth; here every call carries a valid token,
    # which schemathesis would count as a credential it generated itself.
    if bad_range is None or no_token:
        case.validate_response(response, excluded_checks=skip)
        return
    # Schema-valid but contradictory: 400 (naming the range when nothing else is wrong;
    # test_search_events checks that), and still a response that matches the document.
    case.validate_response(response, excluded_checks=[positive_data_acceptance, *skip])
    # A case negative in its headers may go without the token: 401 comes first then.
    unauthenticated = meta is not None and meta.is_negative_at(ParameterLocation.HEADER)
    assert response.status_code in ((400, 401) if unauthenticated else (400,))
