"""The CloudEvents codec against itself: any valid event, encoded in a mode, decodes to the
same event. Binary mode carries every attribute as a string (an extension's type is lost, as
the HTTP binding says), and names a Content-Type for data that has none: the expected event
says so explicitly (`as_binary`)."""

from __future__ import annotations

import base64
import string
from datetime import timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from pts.cloudevents import percent
from pts.cloudevents.decode import decode_checked, decode_events
from pts.cloudevents.encode import to_batch, to_binary, to_structured
from pts.config import get_settings
from pts.domain.envelope import CORE

# CloudEvents strings: any Unicode but control characters (1.0.2's String type) and lone
# surrogates (not encodable as UTF-8, so no wire can carry them).
TEXT = st.characters(blacklist_categories=("Cs", "Cc"))
# Values chosen to need percent-encoding: space, quote, percent, non-ASCII.
AWKWARD = st.sampled_from([" ", '"', "%", "%20", "é", "日本", "🙂", "\u00a0", "+", "~"])
ATTRIBUTE = st.lists(st.one_of(TEXT, AWKWARD), min_size=1, max_size=20).map("".join)
EXTENSION_NAME = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12) \
    .filter(lambda n: n not in CORE and n != "data")
EXTENSION_VALUE = st.one_of(ATTRIBUTE, st.booleans(),
                            st.integers(min_value=-(2**31), max_value=2**31 - 1))
OFFSET = st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))
TIME = st.datetimes(timezones=OFFSET).map(lambda t: t.isoformat())
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**300), 10**300)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(TEXT), inner,
                                                                max_size=4),
    max_leaves=12,
)
# (datacontenttype, data attributes) that every mode can carry.
DATA = st.one_of(
    st.tuples(st.sampled_from([None, "application/json", "application/vnd.x+json",
                               "text/json; charset=utf-8"]),
              JSON.filter(lambda v: v is not None).map(lambda v: {"data": v})),
    st.tuples(st.sampled_from(["text/plain", "text/plain; charset=utf-8", "application/xml"]),
              st.text(TEXT, min_size=1).map(lambda v: {"data": v})),
    st.tuples(st.sampled_from([None, "application/octet-stream", "image/png"]),
              st.binary(min_size=1).map(lambda b: {"data_base64":
                                                   base64.b64encode(b).decode("ascii")})),
    st.tuples(st.sampled_from([None, "application/json", "text/plain"]), st.just({})),
)


@st.composite
def events(draw) -> dict:
    event = {"specversion": "1.0", "id": draw(ATTRIBUTE), "source": draw(ATTRIBUTE),
             "type": draw(ATTRIBUTE)}
    for name, value in (("subject", ATTRIBUTE), ("time", TIME), ("dataschema", ATTRIBUTE)):
        if draw(st.booleans()):
            event[name] = draw(value)
    event.update(draw(st.dictionaries(EXTENSION_NAME, EXTENSION_VALUE, max_size=4)))
    content_type, data = draw(DATA)
    if content_type is not None:
        event["datacontenttype"] = content_type
    return {**event, **data}


def as_binary(event: dict) -> dict:
    """What binary mode carries of event: attributes as strings, and a Content-Type."""
    out = {k: ("true" if v is True else "false" if v is False else str(v))
           if k not in ("data", "data_base64") else v for k, v in event.items()}
    if "datacontenttype" not in out and "data" in out:
        out["datacontenttype"] = "application/json"
    if "datacontenttype" not in out and "data_base64" in out:
        out["datacontenttype"] = "application/octet-stream"
    return out


@given(events())
def test_binary_round_trip(event):
    headers, body = to_binary(event)
    assert all(v.isascii() and v.isprintable() for v in headers.values())
    assert decode_events(headers, body, get_settings()) == [as_binary(event)]


@given(events())
def test_structured_round_trip(event):
    headers, body = to_structured(event)
    assert decode_events(headers, body, get_settings()) == [event]


@given(st.lists(events(), max_size=5))
def test_batch_round_trip(batch):
    headers, body = to_batch(batch)
    assert decode_events(headers, body, get_settings()) == batch


@given(events())
def test_valid_events_pass_the_attribute_check_in_every_mode(event):
    settings = get_settings()
    for encoded, expected in ((to_binary(event), as_binary(event)),
                              (to_structured(event), event)):
        assert decode_checked(*encoded, settings) == [expected]


@given(st.text(TEXT | st.characters(whitelist_categories=("Cc",))))
def test_percent_coding_round_trips_and_stays_in_the_allowed_characters(text):
    encoded = percent.encode(text)
    # HTTP binding 3.1.3.2: printable ASCII, space, `"` and `%` escaped.
    assert all("!" <= ch <= "~" and ch != '"' for ch in encoded)
    assert percent.decode(encoded) == text
