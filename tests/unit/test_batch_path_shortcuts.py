"""Ingest's per-event shortcuts (docs/benchmarks.md, "Batched ingest: the per-event Python
path") give exactly what they replace. Each test computes a result twice: as it is, and with
the shortcut turned off (the code it short-cuts, kept behind it), over the CloudEvents
conformance events and generated ones (control characters, unicode, lone surrogates, long
strings, big and exact numbers, nested data, extensions)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pts.cloudevents import event as cloudevent
from pts.config import Settings
from pts.domain import envelope
from pts.domain.envelope import Envelope, validate_event
from pts.eventlog import _row
from pts.http import limits
from pts.http.problem import Problem
from tests.support.env import conformance_dir

FOREIGN = ("io.cloudevents.", "com.example.")


def _conformance_events() -> list[Any]:
    try:
        base = conformance_dir("cloudevents") / "format" / "json"
    except pytest.skip.Exception:
        return []
    return [case["event"] for name in ("valid-events", "invalid-events")
            for case in json.loads((base / f"{name}.json").read_text(encoding="utf-8-sig"))
            ["tests"] if "event" in case]


def _reference(monkeypatch) -> None:
    """Every shortcut off: the code paths they replace."""
    monkeypatch.setattr(envelope, "_envelope", lambda **fields: Envelope(**fields))
    monkeypatch.setattr(envelope, "_string_attr", _string_attr_before)
    monkeypatch.setattr(envelope, "_media_type",
                        lambda value: envelope._MEDIA_TYPE.match(value) is not None)
    monkeypatch.setattr(limits, "_plain", lambda value: False)
    monkeypatch.setattr(limits, "_fine", lambda value, settings: False)
    monkeypatch.setattr(cloudevent, "_C_CANONICAL", None)
    monkeypatch.setattr(limits, "_plain_attributes", lambda raw: False)
    monkeypatch.setattr(envelope, "validate_attributes", _validate_attributes_before)


def _validate_attributes_before(raw):
    """envelope.validate_attributes without its inline string test and its check for no
    extensions (as it was)."""
    errors: list = []
    attrs: dict[str, Any] = {}
    spec = raw.get("specversion")
    if spec is None:
        errors.append(envelope.FieldError("specversion", "required attribute is missing"))
    elif spec != "1.0":
        errors.append(envelope.FieldError("specversion", "only CloudEvents 1.0 is supported"))
    for name in ("id", "source", "type"):
        attrs[name] = envelope._string_attr(raw, name, errors, required=True)
    for name in ("subject", "dataschema", "datacontenttype"):
        attrs[name] = envelope._string_attr(raw, name, errors, required=False)
    if attrs["datacontenttype"] and not envelope._media_type(attrs["datacontenttype"]):
        errors.append(envelope.FieldError("datacontenttype", "not an RFC 2046 media type"))
    time = raw.get("time")
    if time is not None:
        try:
            if not isinstance(time, str):
                raise ValueError("must be a string")
            attrs["time"] = envelope.parse_rfc3339(time)
        except ValueError as exc:
            errors.append(envelope.FieldError("time", f"not an RFC 3339 timestamp: {exc}"))
    if raw.get("data") is not None and raw.get("data_base64") is not None:
        errors.append(envelope.FieldError("data_base64",
                                          "an event has data or data_base64, not both"))
    extensions = {}
    for name, value in raw.items():
        if name in envelope._NOT_EXTENSIONS or value is None:
            continue
        extensions[name] = envelope._extension(name, value, errors)
    attrs["extensions"] = extensions
    return attrs, errors


def _string_attr_before(raw, name, errors, *, required):
    """envelope._string_attr without its printable-ASCII shortcut (as it was)."""
    value = raw.get(name)
    if value is None:
        if required:
            errors.append(envelope.FieldError(name, "required attribute is missing"))
        return None
    if not isinstance(value, str):
        errors.append(envelope.FieldError(name, "must be a string"))
    elif value == "":
        errors.append(envelope.FieldError(name, "must not be empty"))
    elif len(value) > envelope.MAX_ATTRIBUTE_LENGTH:
        errors.append(envelope.FieldError(
            name, f"longer than {envelope.MAX_ATTRIBUTE_LENGTH} characters"))
    elif envelope._CONTROL.search(value):
        errors.append(envelope.FieldError(name, envelope.control_message(value)))
    else:
        return value
    return None


def _outcome(raws: list[Any], cfg: Settings) -> list[Any]:
    """What the path makes of each raw event: the limits' Problem, else per event the
    Envelope's fields, content hash and stored row (or its errors)."""
    try:
        limits.check_event_data(raws, cfg)
    except Problem as problem:
        return [("problem", problem.body())]
    out: list[Any] = []
    for raw in raws:
        result = validate_event(raw, FOREIGN)
        if isinstance(result, Envelope):
            out.append((type(result), vars(result) | {"_content_hash": None},
                        cloudevent.content_hash(result), json.dumps(_row(0, result))))
        else:
            out.append(result)
    return out


def _twice(raws: list[Any], cfg: Settings | None = None) -> None:
    cfg = cfg or Settings(max_string_length=40, max_json_depth=4)
    fast = _outcome(raws, cfg)
    with pytest.MonkeyPatch.context() as m:
        _reference(m)
        slow = _outcome(raws, cfg)
    assert fast == slow


def test_conformance_events_same():
    events = _conformance_events()
    if not events:
        pytest.skip("../shared is absent")
    for raw in events:
        _twice([raw], Settings())


_TEXT = st.text(st.characters(codec=None), max_size=12) | st.sampled_from(
    ["", "a\x00b", "a\nb", "x\x7f", "\x85", "é", "日本", "\ud800", "a" * 41, "/ci", "x y"])
_NUMBER = (st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.decimals(allow_nan=False, allow_infinity=False, places=30).map(Decimal)
           | st.sampled_from([10**40, Decimal("1e-400"), Decimal("123456789.123456789e200")]))
_JSON = st.recursive(st.none() | st.booleans() | _NUMBER | _TEXT,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=10)
_TYPES = st.sampled_from(["dev.pts.platform.x", "dev.pts.service.health_changed",
                          "com.example.thing", "dev.pts.image.published", "other"])
_ATTRIBUTE = _TEXT | st.integers() | st.none() | st.booleans()


@st.composite
def _raw(draw) -> dict[str, Any]:
    raw: dict[str, Any] = {"specversion": "1.0", "id": draw(_ATTRIBUTE | st.just("e-1")),
                           "source": draw(_ATTRIBUTE | st.just("/src")), "type": draw(_TYPES)}
    for name in ("subject", "dataschema", "datacontenttype", "time"):
        if draw(st.booleans()):
            raw[name] = draw(_ATTRIBUTE | st.sampled_from(
                ["application/json", "text/plain; charset=utf-8", "bad type",
                 "2026-11-28T10:00:00Z", "2026-11-28T10:00:00.5+01:00"]))
    for name in draw(st.lists(st.sampled_from(["ext", "Bad", "traceparent", "n1"]),
                              max_size=2)):
        raw[name] = draw(_ATTRIBUTE)
    if draw(st.booleans()):
        raw["data"] = draw(_JSON | st.fixed_dictionaries(
            {"service": _TEXT, "environment": _TEXT, "status": st.just("healthy")}))
    elif draw(st.booleans()):
        raw["data_base64"] = draw(st.sampled_from(["aGk=", "!!", ""]))
    return raw


@settings(max_examples=400)
@given(st.lists(_raw(), min_size=1, max_size=3))
def test_generated_events_same(raws):
    _twice(raws)


@given(_JSON)
@example({"a" * 41: 1})
@example({"k": ["a" * 41]})
@example({"k": {"k": {"k": {"k": {}}}}})
@example([[[[[]]]]])
@example({"k\x00": 1})
@example({"k": "\ud800"})
def test_quick_data_pass_never_misses_what_the_walk_names(doc):
    cfg = Settings(max_string_length=40, max_json_depth=4)
    errors: list[dict[str, Any]] = []
    limits._walk(doc, 0, cfg, errors)
    assert not (errors and limits._fine(doc, cfg))


def test_content_hash_is_the_sha256_of_the_canonical_json():
    env = Envelope(id="1", source="/s", type="dev.pts.platform.x",
                   data={"n": Decimal("1e-400"), "big": 10**40, "u": "日本\u2028",
                         "nested": {"b": [1.5, None, True], "a": {}}},
                   extensions={"ext": 7, "ab": "x"})
    text = json.dumps({"specversion": "1.0", "id": "1", "source": "/s",
                       "type": "dev.pts.platform.x", "ext": 7, "ab": "x",
                       "data": {"n": "@", "big": 10**40, "u": "日本\u2028",
                                "nested": {"b": [1.5, None, True], "a": {}}}},
                      sort_keys=True, separators=(",", ":")).replace('"@"', "1E-400")
    assert cloudevent.content_hash(env) == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("name", ["x\x00", "é", "\ud800", "ok"])
@pytest.mark.parametrize("value", ["v", "v\x00", "é", "\ud800", 7, None, ["a\x00"]])
def test_attribute_names_and_values_same(name, value):
    _twice([{"specversion": "1.0", "id": "1", "source": "/s", "type": "dev.pts.platform.x",
             name: value, "data": {"k": "v\x00"}}])
