"""The CloudEvents conformance data, in place in ../shared/conformance/cloudevents.

Out of scope, legitimately: yaml/v03.yaml and yaml/v0.3 (CloudEvents 0.3; PTS speaks 1.0 and
answers 400 for other versions), and typed extension constraints (the JSON format carries no
type for a string that happens to hold base64 or a timestamp: such values are kept as the
strings that were sent, which is what "intact" means here).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from pts.cloudevents.percent import encode as encode_header_value
from tests.ingest.helpers import count, stored_events
from tests.support.env import conformance_dir

FOREIGN = "io.cloudevents.,com.example."
CORE = ("id", "source", "type", "specversion", "subject", "datacontenttype", "dataschema")


def _cases(name: str) -> list[dict]:
    path = conformance_dir("cloudevents") / "format" / "json" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8-sig"))["tests"]


def _params(name: str):
    try:
        return [pytest.param(c, id=c["id"]) for c in _cases(name)]
    except pytest.skip.Exception:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared is absent"))]


@pytest.fixture
def client(ingest_client, monkeypatch):
    monkeypatch.setenv("PTS_FOREIGN_TYPES", FOREIGN)
    return ingest_client


# The golden samples' instants (format/README.md): every spelling of them must store these.
GOLDEN_TIME = {
    "2018-04-05T17:31:00Z": datetime(2018, 4, 5, 17, 31, tzinfo=UTC),
    "2018-04-05T17:31:00.000000000Z": datetime(2018, 4, 5, 17, 31, tzinfo=UTC),
    "2018-04-05T18:31:00+01:00": datetime(2018, 4, 5, 17, 31, tzinfo=UTC),
    "2018-04-05T16:31:00-01:00": datetime(2018, 4, 5, 17, 31, tzinfo=UTC),
}


def assert_stored_as_sent(row: dict, event: dict) -> None:
    for name in CORE:
        assert row[name] == event.get(name), name
    assert row["time"] == (GOLDEN_TIME[event["time"]] if event.get("time") else None)
    extensions = {k: v for k, v in event.items()
                  if k not in CORE + ("time", "data", "data_base64") and v is not None}
    assert row["extensions"] == extensions
    assert row["data"] == event.get("data")
    assert row["data_base64"] == event.get("data_base64")


@pytest.mark.parametrize("case", _params("valid-events"))
def test_valid_event_is_stored_intact(client, sql, case):
    resp = client.post("/", data=json.dumps(case["event"]),
                       content_type="application/cloudevents+json")
    assert resp.status_code == 202, resp.get_json()
    [row] = stored_events(sql)
    assert_stored_as_sent(row, case["event"])


@pytest.mark.parametrize("case", _params("invalid-events"))
def test_invalid_event_is_refused(client, sql, case):
    resp = client.post("/", data=json.dumps(case["event"]),
                       content_type="application/cloudevents+json")
    assert 400 <= resp.status_code < 500
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"], "the answer names the field at fault"
    assert count(sql) == 0


@pytest.mark.parametrize("case", _params("valid-batches"))
def test_valid_batch_is_stored(client, sql, case):
    resp = client.post("/", data=json.dumps(case["batch"]),
                       content_type="application/cloudevents-batch+json")
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["accepted"] == len(case["batch"])
    unique = {(e["source"], e["id"]): e for e in case["batch"]}
    rows = stored_events(sql)
    assert len(rows) == len(unique)
    for row in rows:
        assert_stored_as_sent(row, unique[(row["source"], row["id"])])


@pytest.mark.parametrize("case", _params("invalid-batches"))
def test_invalid_batch_stores_nothing(client, sql, case):
    resp = client.post("/", data=json.dumps(case["batch"]),
                       content_type="application/cloudevents-batch+json")
    assert 400 <= resp.status_code < 500
    assert resp.content_type == "application/problem+json"
    assert count(sql) == 0


def _yaml_requests(path: str) -> list[tuple[str, dict]]:
    # BaseLoader: every scalar stays the string that was written (no floats, no dates).
    docs = yaml.load_all((conformance_dir("cloudevents") / path).read_text(), yaml.BaseLoader)
    out = []
    for doc in docs:
        modes = [doc["Mode"]] if "Mode" in doc else ["binary", "structured"]
        out.extend((mode, doc) for mode in modes)
    return out


def _as_request(mode: str, doc: dict) -> tuple[dict, bytes]:
    attrs = {k: str(v) for k, v in doc["ContextAttributes"].items() if k != "Extensions"}
    extensions = {k: v for k, v in (doc["ContextAttributes"].get("Extensions") or {}).items()}
    headers = dict(doc.get("TransportExtensions") or {})
    data = doc.get("Data")
    content_type = attrs.get("datacontenttype", "application/json")
    if mode == "binary":
        headers.update({f"ce-{k}": encode_header_value(v)
                        for k, v in {**attrs, **extensions}.items() if k != "datacontenttype"})
        if "datacontenttype" in attrs:
            headers["Content-Type"] = content_type
        return headers, (data or "").encode()
    event = {**attrs, **extensions}
    if data is not None:
        event["data"] = json.loads(data) if "json" in content_type else data
    headers["Content-Type"] = "application/cloudevents+json"
    return headers, json.dumps(event).encode()


def _without_final_newlines(doc: dict) -> tuple[dict, list[str]]:
    """doc with the trailing newline of YAML block scalars (`|`) cut from its extensions,
    and the names of the extensions that had one."""
    attrs = dict(doc["ContextAttributes"])
    exts = dict(attrs.get("Extensions") or {})
    cut = [k for k, v in exts.items() if v != v.rstrip("\n")]
    attrs["Extensions"] = {k: v.rstrip("\n") for k, v in exts.items()}
    return {**doc, "ContextAttributes": attrs}, cut


@pytest.mark.parametrize("path", ["yaml/v1.yaml", "yaml/v1.0/v1_minimum.yaml"])
def test_yaml_requests_are_accepted(client, sql, path):
    requests = []
    for mode, raw in _yaml_requests(path):
        # CloudEvents 1.0.2 (type system): a String holds no control characters, and PTS
        # refuses them (400). v1.yaml writes an extension as a `|` block, whose final
        # newline is such a character: refused as sent, accepted without it.
        doc, cut = _without_final_newlines(raw)
        if cut:
            headers, body = _as_request(mode, raw)
            refused = client.post("/", data=body, headers=headers)
            assert refused.status_code == 400, (mode, refused.get_json())
            assert {e["field"] for e in refused.get_json()["errors"]} == set(cut)
        requests.append((mode, doc))
    for mode, doc in requests:
        headers, body = _as_request(mode, doc)
        resp = client.post("/", data=body, headers=headers)
        assert resp.status_code == 202, (mode, doc, resp.get_json())
    rows = {(r["source"], r["id"]): r for r in stored_events(sql)}
    for _mode, doc in requests:
        attrs = doc["ContextAttributes"]
        row = rows[(attrs["source"], attrs["id"])]
        assert row["type"] == attrs["type"]
        data = doc.get("Data")
        if "json" in attrs.get("datacontenttype", "application/json"):
            assert row["data"] == json.loads(data)
        else:
            assert row["data"] == data
        for name, value in (attrs.get("Extensions") or {}).items():
            assert row["extensions"][name] == value
