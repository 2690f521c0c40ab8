"""The handlers' per-event shortcuts give exactly what they replace: the rows' JSON with a
memo of the times' text (json.dumps with datetime.isoformat as its default), the stored JSON
decoded by the C scanner directly (JSONDecoder.decode), and deliveries as named tuples."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pts.broker.queue import Delivery, _slim
from pts.domain.jsonnum import _STORED, loads_stored
from pts.projections.facts import Fact, _facts
from pts.projections.store import _dumps

_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)),
                          timezone(timedelta(hours=-5, minutes=-30))])
_TIMES = st.datetimes(timezones=_ZONES) | st.datetimes()
_VALUES = st.none() | st.booleans() | st.integers() | st.text() | _TIMES
_ROWS = st.lists(st.dictionaries(st.sampled_from(["at", "since", "first", "name", "n"]),
                                 _VALUES, max_size=5), max_size=8)


def _instants(text: str) -> object:
    """The rows as PostgreSQL's timestamptz reads them: each time as its instant."""
    def parse(v: object) -> object:
        if isinstance(v, str):
            try:
                t = datetime.fromisoformat(v)
            except ValueError:
                return v
            return t if t.tzinfo is None else ("instant", t.astimezone(UTC))
        return v
    return [{k: parse(v) for k, v in row.items()} for row in json.loads(text)]


@given(_ROWS)
def test_rows_json_is_isoformats(rows):
    # The same text whenever equal times have the same offset (a batch's, read from one
    # connection), and the same instants whatever their offsets.
    old = json.dumps(rows, default=datetime.isoformat)
    assert _instants(_dumps(rows)) == _instants(old)
    one_zone = [{k: (v.astimezone(UTC) if isinstance(v, datetime) and v.tzinfo
                     else v) for k, v in row.items()} for row in rows]
    assert _dumps(one_zone) == json.dumps(one_zone, default=datetime.isoformat)


def test_rows_json_repeats_a_time_and_refuses_what_isoformat_refuses():
    at = datetime(2026, 11, 29, 1, 2, 3, 456789, tzinfo=UTC)
    again = datetime(2026, 11, 29, 1, 2, 3, 456789, tzinfo=UTC)
    assert _dumps([{"a": at, "b": again, "c": at}]) == json.dumps(
        [{"a": at, "b": again, "c": at}], default=datetime.isoformat)
    for bad in (date(2026, 1, 1), Decimal("1.5"), {1, 2}, object()):
        with pytest.raises(TypeError):
            _dumps([{"a": bad}])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(_JSON, st.sampled_from(["", " ", "\n", "  \t"]), st.sampled_from(["", " ", "\n"]),
       st.booleans())
def test_stored_json_is_decodes(doc, before, after, compact):
    text = before + json.dumps(doc, separators=(",", ":") if compact else None) + after
    assert loads_stored(text) == _STORED.decode(text)
    assert loads_stored(text.encode()) == _STORED.decode(text)
    assert loads_stored(memoryview(text.encode())) == _STORED.decode(text)


@pytest.mark.parametrize("text", ["", " ", '{"a": 1} x', '{"a": 1}{"b": 2}', "[1,", "nul"])
def test_stored_json_refuses_what_decode_refuses(text):
    with pytest.raises(json.JSONDecodeError) as new:
        loads_stored(text)
    with pytest.raises(json.JSONDecodeError) as old:
        _STORED.decode(text)
    assert (new.value.msg, new.value.pos) == (old.value.msg, old.value.pos)


def test_a_delivery_reads_by_name_and_is_immutable():
    d = _slim((7, 3, "trigger", "services", 2, None, None, None, "/s", "e1", "t", "41"))
    assert (d.id, d.event_id, d.kind, d.subscriber, d.attempts) == (7, 3, "trigger",
                                                                     "services", 2)
    assert d.event == {"source": "/s", "id": "e1", "type": "t", "ptsseq": "41"}
    assert d == Delivery(7, 3, "trigger", "services", 2, None, None, None, d.event)
    with pytest.raises(AttributeError):
        d.id = 8  # type: ignore[misc]


def test_facts_from_rows_are_the_named_tuples():
    at = datetime(2026, 11, 29, 1, 2, 3, tzinfo=UTC)
    rows = [(5, "/s", "e1", "dev.pts.service.started", at, {"service": "a"}),
            (6, "/s", "e2", "dev.pts.platform.note", at, None)]
    facts = _facts(rows)
    assert facts == [Fact(*r) for r in rows]
    assert all(type(f) is Fact for f in facts)
    assert (facts[0].seq, facts[0].kind, facts[0].get("service"), facts[1].get("x")) == (
        5, "started", "a", None)
    assert facts[0].order == (at, 5)
