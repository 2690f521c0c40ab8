"""The CloudEvents codec against the CloudEvents conformance data, read in place
(../shared/conformance/cloudevents): the HTTP binding's requests as written in its Gherkin
feature, and the JSON format's valid and invalid events and batches. (Ingest's own handling
of the same data, stored rows included, is tests/ingest/test_conformance.py.)"""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from pts.cloudevents.decode import decode_checked
from pts.cloudevents.encode import to_batch, to_binary, to_structured
from pts.config import get_settings
from pts.http.problem import Problem
from tests.support.env import CONFORMANCE, conformance_dir

CLOUDEVENTS = CONFORMANCE / "cloudevents"


def _scenarios() -> list:
    """Each example of each scenario of the HTTP binding feature: (request, attributes,
    data) with the example's values substituted."""
    path = CLOUDEVENTS / "features" / "http-protocol-binding.feature"
    if not path.exists():  # one value per parameter name, or collection fails
        skip = pytest.mark.skip(reason="../shared is absent")
        return [pytest.param(None, None, None, marks=skip)]
    out = []
    for block in path.read_text().split("Scenario Outline:")[1:]:
        title = block.splitlines()[0].strip()
        request, data = re.findall(r'"""\n(.*?)\n\s*"""', block, re.S)
        attributes = _table(block.split("Then the attributes are:")[1].split("And ")[0])
        for example in _table(block.split("Examples:")[1]):
            out.append(pytest.param(_fill(textwrap.dedent(request), example),
                                    {k: _fill(v, example) for k, v in attributes.items()},
                                    json.loads(data), id=_fill(title, example)))
    return out


def _fill(text: str, example: dict) -> str:
    """text with each `<name>` replaced by the example's value."""
    return re.sub(r"<(\w+)>", lambda m: example[m.group(1)], text)


def _table(text: str) -> list | dict:
    """A Gherkin table: key/value rows as a dict, an Examples table as a list of rows."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.strip().startswith("|")]
    if rows[0] == ["key", "value"]:
        return dict(rows[1:])
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _parse(request: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of an HTTP/1.1 request written out as text (as the wire has it)."""
    head, _, body = request.partition("\n\n")
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    headers.pop("Content-Length")  # the feature's counts are of its own indentation
    return headers, body.encode()


@pytest.mark.parametrize("request_text, attributes, data", _scenarios())
def test_http_binding_requests(request_text, attributes, data):
    [event] = decode_checked(*_parse(request_text), get_settings())
    assert {k: event[k] for k in attributes} == attributes
    assert event["data"] == data


def _cases(name: str) -> list:
    try:
        path = conformance_dir("cloudevents") / "format" / "json" / f"{name}.json"
    except pytest.skip.Exception:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared is absent"))]
    tests = json.loads(path.read_text(encoding="utf-8-sig"))["tests"]
    return [pytest.param(case, id=case["id"]) for case in tests]


def _present(event: dict) -> dict:
    return {k: v for k, v in event.items() if v is not None}


def _stringified(event: dict) -> dict:
    """What binary mode carries: every attribute as its canonical string."""
    return {k: v if k == "data" or isinstance(v, str) else json.dumps(v)
            for k, v in _present(event).items()}


@pytest.mark.parametrize("case", _cases("valid-events"))
def test_valid_events_decode_as_sent_in_every_mode(case):
    event, settings = case["event"], get_settings()
    assert decode_checked(*to_structured(event), settings) == [_present(event)]
    assert decode_checked(*to_batch([event]), settings) == [_present(event)]
    assert decode_checked(*to_binary(event), settings) == [_stringified(event)]
    # By hand, as the binding writes it: the structured body is the event as sent.
    raw = json.dumps(event).encode()
    assert decode_checked({"Content-Type": "application/cloudevents+json"}, raw,
                          settings) == [_present(event)]


@pytest.mark.parametrize("case", _cases("valid-batches"))
def test_valid_batches_decode_as_sent(case):
    batch = case["batch"]
    assert decode_checked(*to_batch(batch), get_settings()) == [_present(e) for e in batch]


@pytest.mark.parametrize("case", _cases("invalid-events"))
def test_invalid_events_are_refused_naming_the_field(case):
    with pytest.raises(Problem) as refused:
        decode_checked(*to_structured(case["event"]), get_settings())
    assert refused.value.status == 400 and refused.value.errors


@pytest.mark.parametrize("case", _cases("invalid-batches"))
def test_invalid_batches_are_refused(case):
    with pytest.raises(Problem) as refused:
        decode_checked(*to_batch(case["batch"]), get_settings())
    assert refused.value.status == 400
