"""The one pagination helper and the parameter models, without a database: cursors bound to
their list and filters, typed keys, pages of lists computed in Python, and the API's wording
of parameter errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from pts.http.problem import Problem
from pts.search import cursor
from pts.search.deadletters import DeadLetterQuery
from pts.search.events import EventQuery
from pts.search.pagination import Keyset, Page, Slice
from pts.search.params import parse_query

SECRET = "test"
BY_TIME = Keyset("things", ("t.at", "id"), ("timestamptz", "bigint"), descending=True)
BY_NAME = Keyset("names", ("name",), ("text",))


def _query(**args: str) -> DeadLetterQuery:
    return parse_query(DeadLetterQuery, MultiDict(args))


def test_a_cursor_resumes_after_the_last_key_with_typed_values():
    rows = [{"at": datetime(2026, 11, 28, 10, tzinfo=UTC), "id": 7},
            {"at": datetime(2026, 11, 28, 9, tzinfo=UTC), "id": 6}]
    page = Page(BY_TIME, _query(limit="1"), SECRET)
    first, next_cursor = page.cut(rows)
    assert first == rows[:1] and next_cursor
    after = Page(BY_TIME, _query(limit="1", cursor=next_cursor), SECRET)
    assert after.after == ["2026-11-28T10:00:00+00:00", 7]
    conds, params = [], {}
    after.resume(conds, params)
    assert conds == ["(t.at, id) < (%(key_0)s::timestamptz, %(key_1)s::bigint)"]
    assert params == {"key_0": "2026-11-28T10:00:00+00:00", "key_1": 7}


def test_a_cursor_is_bound_to_its_list_and_filters():
    made = Page(BY_TIME, _query(limit="1", type="x"), SECRET).cut([{"at": datetime.now(UTC),
                                                                    "id": 1}] * 2)[1]
    assert made is not None
    Page(BY_TIME, _query(limit="5", type="x", cursor=made), SECRET)  # limit may change
    for keyset, query in ((BY_TIME, _query(type="y", cursor=made)),
                          (Keyset("other", BY_TIME.columns, BY_TIME.casts, True),
                           _query(type="x", cursor=made))):
        with pytest.raises(Problem) as caught:
            Page(keyset, query, SECRET)
        assert caught.value.status == 400 and caught.value.errors[0]["parameter"] == "cursor"


@pytest.mark.parametrize("key", [["2026-11-28T10:00:00+00:00", "7"], ["noon", 7],
                                 ["2026-11-28T10:00:00+00:00", 2**63], [1, 2]])
def test_a_signed_key_of_the_wrong_type_is_refused(key):
    query = _query()
    forged = cursor.encode(SECRET, cursor.fingerprint("things", query.filters()), key)
    with pytest.raises(Problem):
        Page(BY_TIME, _query(cursor=forged), SECRET)


def test_a_list_computed_in_python_pages_by_the_same_keyset():
    rows = [{"name": n} for n in "abcde"]
    seen, token = [], None
    while True:
        query = _query(limit="2", **({"cursor": token} if token else {}))
        items, token = Page(BY_NAME, query, SECRET).of(rows)
        seen += items
        if token is None:
            break
    assert seen == rows
    assert Page(BY_NAME, Slice(3), SECRET).of(rows) == (rows[:3], Page(
        BY_NAME, Slice(3), SECRET).cut(rows[:4])[1])


def test_parameter_errors_keep_the_apis_wording():
    with pytest.raises(Problem) as caught:
        parse_query(EventQuery, MultiDict([("limit", "0"), ("since", "x"), ("nope", "1"),
                                           ("type", "a"), ("type", "b")]))
    assert {e["parameter"]: e["message"] for e in caught.value.errors} == {
        "limit": "expected an integer from 1 to 1000",
        "since": "expected an RFC 3339 date-time, e.g. 2026-11-27T09:00:00Z",
        "nope": "unknown parameter", "type": "given more than once"}
    with pytest.raises(Problem) as caught:
        _query(state="closed")
    assert caught.value.errors == [{"parameter": "state",
                                    "message": "expected one of open, redriven, discarded, all"}]
