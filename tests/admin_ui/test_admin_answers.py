"""Every admin API answer has the shape its route declares (pts.admin.web.API, models in
pts.admin.answers), over HTTP on a real database."""

from __future__ import annotations

import base64

from pts.admin.web import API
from pts.usecases import deadletters
from tests.support.env import function_client


def _declared(rule: str, key: str):
    return API[rule].answers[key]


def _check(resp, rule: str, key: str) -> dict:
    status = key.split()[1]
    assert str(resp.status_code) == status, resp.get_data(as_text=True)
    model = _declared(rule, key)
    model.model_validate(resp.get_json())  # extra fields, missing ones or wrong types fail
    return resp.get_json()


def test_token_and_webhook_answers_match_their_models(db_url):
    client = function_client("admin")
    _check(client.get("/api/whoami"), "/api/whoami", "GET 200")
    created = _check(client.post("/api/tokens", json={"name": "ci", "scopes": ["ingest"]}),
                     "/api/tokens", "POST 201")
    assert created["token"] and created["name"] == "ci"
    listed = _check(client.get("/api/tokens"), "/api/tokens", "GET 200")
    assert "ci" in {t["name"] for t in listed["tokens"]}
    hook = _check(client.post("/api/webhooks", json={"name": "gh", "kind": "github"}),
                  "/api/webhooks", "POST 201")
    assert hook["secret"] and hook["url"].endswith("gh")
    _check(client.get("/api/webhooks"), "/api/webhooks", "GET 200")
    _check(client.get("/api/status"), "/api/status", "GET 200")


def test_a_dead_letter_answer_matches_the_search_apis(db_url, sql):
    raw = {"specversion": "1.0", "id": "e-1", "source": "/test", "type": "dev.pts.x",
           "knativeerrordest": "http://h/function/deployments", "knativeerrorcode": "422",
           "knativeerrordata": base64.b64encode(b"no").decode(), "ptstrigger": "deployments"}
    with sql.transaction():
        letter = deadletters.store(sql, raw)
    rule = "/api/deadletters/<letter>/<any(redrive, discard):action>"
    admin = _check(function_client("admin").post(f"/api/deadletters/{letter}/discard"),
                   rule, "POST 200")
    listed = function_client("search").get("/deadletters?state=all").get_json()["items"]
    assert listed == [admin]  # one listing, one shape
