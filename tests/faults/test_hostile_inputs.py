"""A table of hostile inputs, each sent as the platform would deliver it (functions-framework
test clients, the local broker's ingress app). Every one must answer 4xx
application/problem+json and leave the log (and the broker's queue) exactly as it was."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import pytest
from gunicorn.http.errors import InvalidChunkSize, NoMoreData
from itsdangerous import URLSafeSerializer
from werkzeug.serving import DechunkedInput

from pts.search import cursor
from tests.support.env import AUTH_HEADERS, function_client

pytestmark = pytest.mark.faults

TYPE = "dev.pts.deployment.started"
DATA = '{"deployment_id": "d-9", "service": "api", "environment": "prod", "version": "1"'
NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


@dataclass
class Case:
    """One hostile request: where it goes and what it carries."""

    name: str
    body: str | bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/"
    method: str = "POST"
    environ: dict = field(default_factory=dict)


def structured(extra: str = "", attrs: str = "", data_extra: str = "") -> str:
    return (f'{{"specversion": "1.0", "id": "h-1", "source": "/ci/h", "type": "{TYPE}"{attrs},'
            f' "data": {DATA}{data_extra}}}{extra}}}')


def ingest_cases() -> list[Case]:
    cases = []
    for n in NUMBERS:
        cases += [
            Case(f"binary {n}", DATA + f', "n": {n}}}', {
                "ce-specversion": "1.0", "ce-id": "h-1", "ce-source": "/ci/h", "ce-type": TYPE,
                "Content-Type": "application/json"}),
            Case(f"structured {n}", structured(data_extra=f', "n": {n}'),
                 {"Content-Type": "application/cloudevents+json"}),
            Case(f"batch {n}", "[" + structured(data_extra=f', "n": [{n}]') + "]",
                 {"Content-Type": "application/cloudevents-batch+json"}),
            Case(f"plain {n}", '{"type": "deployment.started", "deployment_id": "d", '
                 f'"service": "s", "environment": "e", "version": "1", "n": {n}}}',
                 {"Content-Type": "application/json"}),
        ]
    binary = {"ce-specversion": "1.0", "ce-source": "/ci/h", "ce-type": TYPE,
              "Content-Type": "application/json"}
    cases += [
        Case("ce-id with CR LF", DATA + "}", {**binary, "ce-id": "x%0D%0Aforged line"}),
        Case("JSON id with CR LF", structured(attrs="").replace('"h-1"', '"h\\r\\nforged"'),
             {"Content-Type": "application/cloudevents+json"}),
        Case("subject with ESC", structured(attrs=', "subject": "a\\u001b[2J"'),
             {"Content-Type": "application/cloudevents+json"}),
        Case("extension with TAB", structured(attrs=', "traceinfo": "a\\tb"'),
             {"Content-Type": "application/cloudevents+json"}),
        Case("source with DEL", structured().replace('"/ci/h"', '"/ci/h\\u007f"'),
             {"Content-Type": "application/cloudevents+json"}),
        Case("raw Latin-1 byte in ce-source", DATA + "}",
             {**binary, "ce-id": "h-2", "ce-source": "/ci/caf\xe9"}),
        Case("malformed chunk size (werkzeug)", environ=_chunked(b"zz\r\nabc\r\n0\r\n\r\n"),
             headers={"Content-Type": "application/cloudevents+json"}),
        Case("truncated chunked body (werkzeug)", environ=_chunked(b"40\r\n{\"a\": 1"),
             headers={"Content-Type": "application/cloudevents+json"}),
        Case("malformed chunk size (gunicorn)", environ=_failing(InvalidChunkSize(b"zz")),
             headers={"Content-Type": "application/cloudevents+json"}),
        Case("truncated chunked body (gunicorn)", environ=_failing(NoMoreData(b"")),
             headers={"Content-Type": "application/cloudevents+json"}),
        Case("unknown path", structured(), {"Content-Type": "application/cloudevents+json"},
             path="/nope"),
        Case("robots.txt", method="GET", path="/robots.txt"),
    ]
    return cases


def broker_cases() -> list[Case]:
    ct = {"Content-Type": "application/cloudevents+json"}
    cases = [
        Case("NUL in a data value", structured(data_extra=', "n": "a\\u0000b"'), ct),
        Case("NUL in a data key", structured(data_extra=', "a\\u0000b": 1'), ct),
        Case("NUL in an extension", structured(attrs=', "traceinfo": "a\\u0000b"'), ct),
        Case("NUL in the id", structured().replace('"h-1"', '"h\\u0000"'), ct),
        Case("lone surrogate in data", structured(data_extra=', "n": "\\ud800"'), ct),
        Case("lone surrogate in the id", structured().replace('"h-1"', '"\\udc00"'), ct),
        Case("CR LF in the id", structured().replace('"h-1"', '"h\\r\\nx"'), ct),
        Case("unknown path", structured(), ct, path="/nope"),
    ]
    cases += [Case(f"data {n}", structured(data_extra=f', "n": {n}'), ct) for n in NUMBERS]
    return cases


def _chunked(raw: bytes) -> dict:
    """A body as werkzeug's server hands it over: dechunked while the app reads."""
    return {"wsgi.input": DechunkedInput(io.BytesIO(raw)), "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}


class _Failing(io.RawIOBase):
    def __init__(self, exc: Exception):
        self.exc = exc

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        raise self.exc


def _failing(exc: Exception) -> dict:
    """A body whose reading raises what gunicorn raises for a broken chunked body."""
    return {"wsgi.input": _Failing(exc), "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}


def snapshot(sql) -> list[tuple]:
    log = sql.execute("SELECT seq, source, id, content_hash, data::text FROM platform_events "
                      "ORDER BY seq").fetchall()
    queue = sql.execute("SELECT count(*) FROM broker_events").fetchone()
    return [*log, queue]


def check(client, cases: list[Case], sql) -> None:
    before = snapshot(sql)
    assert len(before) > 1, "the table needs a log to compare with"
    wrong = []
    for case in cases:
        resp = client.open(case.path, method=case.method, data=case.body,
                           headers=case.headers, environ_overrides=case.environ)
        body = resp.get_data(as_text=True)
        if not (400 <= resp.status_code < 500 and resp.mimetype == "application/problem+json"):
            wrong.append((case.name, resp.status_code, resp.mimetype, body[:200]))
        elif json.loads(body)["status"] != resp.status_code:
            wrong.append((case.name, "status field", body[:200]))
    assert wrong == []
    assert snapshot(sql) == before


@pytest.fixture
def logged(ingest_client):
    """Two legitimate events in the log first."""
    for i in (1, 2):
        resp = ingest_client.post("/", data=structured().replace("h-1", f"ok-{i}"),
                                  content_type="application/cloudevents+json")
        assert resp.status_code == 202
    return ingest_client


def test_ingest_refuses_hostile_input(logged, sql):
    check(logged, ingest_cases(), sql)


def test_broker_ingress_refuses_hostile_input(logged, sql):
    from pts.broker.ingress import create_app

    client = create_app().test_client()
    client.environ_base.update({"HTTP_" + k.upper().replace("-", "_"): v
                                for k, v in AUTH_HEADERS.items()})
    check(client, broker_cases(), sql)


def test_source_prefix_tricks_are_refused(logged, sql, make_token):
    token = make_token("ci", "ingest", source_prefix="/ci")
    client = function_client("ingest", token=token)
    ct = {"Content-Type": "application/cloudevents+json"}
    sources = ["/ci/../prod", "/ci/%2e%2e/prod", "/ci/%2E%2e/prod", "/ci/./x", "/ci/..",
               "/ci/\u202eprod", "/ci/\u2066x", "/ci/\u200fx", "/ci2/x", "/cinema/x",
               "/ci/..%2Fprod", "/ci/x%2F..%2F..%2Fprod", "/ci\\..\\prod", "/c%69nema"]
    cases = [Case(f"source {s!r}", structured().replace('"/ci/h"', json.dumps(s)), ct)
             for s in sources]
    check(client, cases, sql)
    ok = client.post("/", data=structured().replace('"/ci/h"', '"/c%69/deploy"'), headers=ct)
    assert ok.status_code == 202, ok.get_json()  # %69 is "i": the same path, normalised


def test_broker_ingress_refuses_an_ingest_token(logged, sql, make_token):
    from pts.broker.ingress import create_app

    token = make_token("ci", "ingest")
    client = create_app().test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    check(client, [Case("ingest token", structured().replace("/ci/h", "/prod/forged"),
                        {"Content-Type": "application/cloudevents+json"})], sql)
    resp = client.post("/", data=structured(), content_type="application/cloudevents+json")
    assert resp.status_code == 403


def test_forged_cursors_are_refused(logged, sql, monkeypatch):
    """With the key known (or leaked), a cursor's values still cannot reach SQL unchecked."""
    monkeypatch.setenv("PTS_SEARCH_CURSOR_SECRET", "known")

    def forged(route: str, filters: dict, key: list) -> str:
        # The standard json escapes a lone surrogate (itsdangerous' own would refuse it).
        signer = URLSafeSerializer("known", salt=cursor.SALT, serializer=json)
        return signer.dumps({"v": cursor.VERSION, "q": cursor.fingerprint(route, filters),
                             "k": key})

    cases = [Case(name, method="GET", path=f"{path}?cursor={value}") for name, path, value in [
        ("deployments, not a time", "/deployments", forged("deployments", {}, ["x", "d"])),
        ("deployments, NUL", "/deployments",
         forged("deployments", {}, ["2026-01-01 00:00:00+00:00", "a\x00"])),
        ("deadletters, not a number", "/deadletters",
         forged("deadletters", {}, ["2026-01-01 00:00:00+00:00", "1 OR 1=1"])),
        ("services, lone surrogate", "/services", forged("services", {}, ["\ud800"])),
        ("images, NUL", "/images", forged("images", {}, ["\x00", "x"])),
        ("events, a string for seq", "/events", forged("events", {}, ["12"])),
        ("environments, numbers", "/environments", forged("environments", {}, [1, 2])),
        ("unsigned", "/events", "eyJ2IjoyfQ.forged"),
    ]]
    check(function_client("search"), cases, sql)
