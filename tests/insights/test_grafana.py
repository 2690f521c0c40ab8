"""docs/grafana/pts-dora.json against the API it queries: every Infinity query calls a
documented route with parameters it accepts, selects fields the answer has, and the
annotation query maps the columns Grafana reads (time, timeEnd, title, text, tags)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from pts.search.app import ROUTES
from pts.search.openapi import document

from .helpers import get, post
from .test_dora import WORKED

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "pts-dora.json"
GRAFANA = {"${environment:percentencode}": "prod",
           "${__from:date:iso}": "2026-11-01T00:00:00.000Z",
           "${__to:date:iso}": "2026-11-08T00:00:00.000Z"}
INFINITY = "yesoreyeram-infinity-datasource"


def board() -> dict:
    return json.loads(DASHBOARD.read_text())


def targets() -> list[dict]:
    found = [t for p in board()["panels"] for t in p["targets"]]
    return found + [a["target"] for a in board()["annotations"]["list"]]


def resolve(url: str) -> tuple[str, dict[str, str]]:
    """The route and parameters a query sends, Grafana's variables filled in."""
    for variable, value in GRAFANA.items():
        url = url.replace(variable, value)
    assert "$" not in url, url
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query))


def schema(name: str) -> dict:
    return document(ROUTES)["components"]["schemas"][name]


def test_every_query_uses_the_infinity_input_and_a_documented_route():
    doc = document(ROUTES)
    assert [i["pluginId"] for i in board()["__inputs"]] == [INFINITY]
    for t in targets():
        assert t["datasource"] == {"type": INFINITY, "uid": "${DS_INFINITY}"}
        path, _ = resolve(t["url"])
        assert doc["paths"][path]["get"]["security"] == [{"bearer": []}]


def test_the_four_keys_panels_select_fields_of_the_dora_answer():
    dora = schema("Dora")["properties"]
    roots = set()
    for t in targets():
        if resolve(t["url"])[0] != "/dora":
            continue
        roots.add(t["root_selector"])
        fields = dora[t["root_selector"]]["properties"]
        assert {c["selector"] for c in t["columns"]} <= set(fields)
    assert roots == {"deployment_frequency", "lead_time_for_changes", "change_failure_rate",
                     "time_to_restore"}


def test_the_annotation_query_maps_what_grafana_reads():
    [annotation] = board()["annotations"]["list"]
    columns = {c["text"]: c for c in annotation["target"]["columns"]}
    assert set(columns) == {"time", "timeEnd", "title", "text", "tags"}
    assert columns["time"]["type"] == columns["timeEnd"]["type"] == "timestamp_epoch"
    assert annotation["target"]["format"] == "dataframe"
    rows = set(schema("Annotation")["properties"])
    for t in targets():
        if resolve(t["url"])[0] == "/annotations":
            assert {c["selector"] for c in t["columns"]} <= rows


@pytest.mark.parametrize("index", range(len(targets())))
def test_each_query_answers_on_the_worked_example(db_url, index):
    post(WORKED)
    t = targets()[index]
    path, params = resolve(t["url"])
    answer = get(path, **params)
    if path == "/dora":
        row = answer[t["root_selector"]]
        values = {c["selector"]: row[c["selector"]] for c in t["columns"]}
        assert all(isinstance(v, int | float) for v in values.values()), values
    else:
        assert len(answer) == 6 and all(set(r) >= {c["selector"] for c in t["columns"]}
                                        for r in answer)
