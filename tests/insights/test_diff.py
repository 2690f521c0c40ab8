"""GET /environments/diff on a known matrix (staging against prod)."""

from __future__ import annotations

from .helpers import at, deployment, ev, get, post

A, B, C = ("sha256:" + x * 64 for x in "abc")
REPO = "ghcr.io/acme"

MATRIX = [
    # api: differs; staging's commit comes from the image's publication.
    ev("image.published", at(1, "08:00"), repository=f"{REPO}/api", digest=B, tag="1.5.0",
       service="api", commit="bbb222"),
    *deployment("s-api", "api", at(1, "09:00"), at(1, "09:05"), environment="staging",
                version="1.5.0", image=f"{REPO}/api:1.5.0@{B}"),
    *deployment("p-api", "api", at(1, "10:00"), at(1, "10:05"), version="1.4.2",
                image=f"{REPO}/api:1.4.2@{A}", commit="aaa111"),
    # web: no digests, same version on both sides (one deployed, one only started).
    ev("service.started", at(1, "11:00"), service="web", environment="staging",
       version="2.0", image=f"{REPO}/web:2.0"),
    *deployment("p-web", "web", at(1, "11:00"), at(1, "11:05"), version="2.0",
                image=f"{REPO}/web:2.0"),
    # cache: the same digest under two version labels: the same.
    *deployment("s-cache", "cache", at(1, "12:00"), at(1, "12:05"), environment="staging",
                version="7", image=f"{REPO}/cache:7@{C}"),
    *deployment("p-cache", "cache", at(1, "12:10"), at(1, "12:15"), version="7-prod",
                image=f"{REPO}/cache:7-prod@{C}"),
    # db: only in prod. worker: only in staging. queue: stopped in prod.
    *deployment("p-db", "db", at(1, "13:00"), at(1, "13:05"), version="9.1"),
    ev("service.started", at(1, "14:00"), service="worker", environment="staging",
       version="3.3"),
    ev("service.started", at(1, "15:00"), service="queue", environment="staging",
       version="1.0"),
    ev("service.started", at(1, "15:00"), service="queue", environment="prod", version="1.0"),
    ev("service.stopped", at(1, "16:00"), service="queue", environment="prod"),
    # a failed deployment runs nowhere; a deployment elsewhere is not in the diff.
    *deployment("p-job", "job", at(1, "17:00"), at(1, "17:05"), "failed"),
    *deployment("d-api", "api", at(1, "18:00"), at(1, "18:05"), environment="dev"),
]

API = {"service": "api", "same": False,
       "from": {"version": "1.5.0", "image_digest": B, "commit": "bbb222",
                "since": "2026-11-01T09:05:00Z"},
       "to": {"version": "1.4.2", "image_digest": A, "commit": "aaa111",
              "since": "2026-11-01T10:05:00Z"}}
CACHE = {"service": "cache", "same": True,
         "from": {"version": "7", "image_digest": C, "commit": None,
                  "since": "2026-11-01T12:05:00Z"},
         "to": {"version": "7-prod", "image_digest": C, "commit": None,
                "since": "2026-11-01T12:15:00Z"}}
DB = {"service": "db", "same": False, "from": None,
      "to": {"version": "9.1", "image_digest": None, "commit": None,
             "since": "2026-11-01T13:05:00Z"}}
JOB = {"service": "job", "same": True, "from": None, "to": None}
QUEUE = {"service": "queue", "same": False,
         "from": {"version": "1.0", "image_digest": None, "commit": None,
                  "since": "2026-11-01T15:00:00Z"}, "to": None}
WEB = {"service": "web", "same": True,
       "from": {"version": "2.0", "image_digest": None, "commit": None,
                "since": "2026-11-01T11:00:00Z"},
       "to": {"version": "2.0", "image_digest": None, "commit": None,
              "since": "2026-11-01T11:05:00Z"}}
WORKER = {"service": "worker", "same": False,
          "from": {"version": "3.3", "image_digest": None, "commit": None,
                   "since": "2026-11-01T14:00:00Z"}, "to": None}


def test_only_the_differing_services_by_default(db_url):
    post(MATRIX)
    answer = get("/environments/diff", **{"from": "staging", "to": "prod"})
    assert answer == {"items": [API, DB, QUEUE, WORKER]}


def test_every_service_with_all(db_url):
    post(MATRIX)
    answer = get("/environments/diff", **{"from": "staging", "to": "prod", "all": "true"})
    assert answer == {"items": [API, CACHE, DB, JOB, QUEUE, WEB, WORKER]}


def test_the_sides_swap_with_the_parameters(db_url):
    post(MATRIX)
    answer = get("/environments/diff", **{"from": "prod", "to": "staging"})
    assert answer["items"][0] == {**API, "from": API["to"], "to": API["from"]}


def test_unknown_environments_and_bad_parameters(db_url):
    assert get("/environments/diff", **{"from": "x", "to": "y", "all": "true"}) == {
        "items": []}
    problem = get("/environments/diff", 400, to="prod", all="yes")
    assert {e["parameter"] for e in problem["errors"]} == {"from", "all"}
