"""The service and image rules, each with an explicit case, against a real database."""

from .helpers import deliver_all, event, log, one, rows

P = dict(service="api", environment="prod")
DIGEST_A, DIGEST_B = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def run(events, order=None, names=None):
    log(events)
    deliver_all([events[i] for i in order] if order else events, names)


def test_a_service_first_seen_in_a_deployment_is_registered_implicitly(sql):
    run([event("deployment.started", "10:00:00", deployment_id="d1", version="1", **P),
         event("image.published", "09:00:00", repository="reg/web", digest=DIGEST_A,
               service="web")])
    api = one(sql, "services", service="api")
    assert api["registered_implicitly"] and api["registered_at"] == api["first_seen_at"]
    assert one(sql, "services", service="web")["registered_implicitly"]
    env = one(sql, "service_environments", **P)
    assert env["state"] is None and env["health"] == "unknown"


def test_explicit_registration_and_decommissioning(sql):
    run([event("service.registered", "08:00:00", service="api", owner="team-a", tier="1"),
         event("service.started", "07:00:00", version="1", **P),
         event("service.registered", "09:00:00", service="api", description="the API"),
         event("service.decommissioned", "12:00:00", service="api")], order=[3, 2, 1, 0])
    api = one(sql, "services", service="api")
    assert not api["registered_implicitly"]
    assert (api["owner"], api["tier"], api["description"]) == ("team-a", "1", "the API")
    assert api["registered_at"].hour == 8 and api["first_seen_at"].hour == 7
    assert api["decommissioned_at"].hour == 12


def test_health_flapping_keeps_every_transition(sql):
    statuses = ["healthy", "unhealthy", "unhealthy", "healthy", "degraded", "healthy"]
    evs = [event("service.health_changed", f"10:0{i}:00", status=s, reason=f"r{i}", **P)
           for i, s in enumerate(statuses)]
    evs.append(event("service.started", "09:59:00", version="1.2", image="api:1.2", **P))
    evs.append(event("service.stopped", "11:00:00", reason="maintenance", **P))
    run(evs, order=[5, 7, 3, 1, 0, 6, 2, 4])
    got = [(t["kind"], t["from_value"], t["to_value"], t["reason"]) for t in
           sorted(rows(sql, "service_transitions", **P), key=lambda t: t["at"])]
    assert got == [("state", None, "running", None), ("health", None, "healthy", "r0"),
                   ("health", "healthy", "unhealthy", "r1"),
                   ("health", "unhealthy", "healthy", "r3"),
                   ("health", "healthy", "degraded", "r4"),
                   ("health", "degraded", "healthy", "r5"),
                   ("state", "running", "stopped", "maintenance")]
    env = one(sql, "service_environments", **P)
    assert (env["state"], env["health"], env["version"], env["image"]) == (
        "stopped", "healthy", "1.2", "api:1.2")
    assert env["health_since"].minute == 5 and env["state_since"].hour == 11


def test_a_tag_moved_to_a_new_digest(sql):
    pub = "image.published"
    run([event(pub, "10:00:00", repository="reg/api", digest=DIGEST_A, tag="latest",
               commit="c1"),
         event(pub, "11:00:00", repository="reg/api", digest=DIGEST_B, tag="latest",
               commit="c2"),
         event(pub, "12:00:00", repository="reg/api", digest=DIGEST_A, tag="v1")],
        order=[2, 1, 0])
    tags = sorted(rows(sql, "image_tags", repository="reg/api", tag="latest"),
                  key=lambda r: r["from_at"])
    assert [(t["digest"], t["to_at"] is None) for t in tags] == [(DIGEST_A, False),
                                                                (DIGEST_B, True)]
    assert tags[0]["to_at"] == tags[1]["from_at"]
    a = one(sql, "images", repository="reg/api", digest=DIGEST_A)
    assert a["commit"] == "c1" and a["published_at"].hour == 10
    assert one(sql, "images", repository="reg/api", digest=DIGEST_B)["commit"] == "c2"


def test_where_each_digest_ran(sql):
    img_a, img_b = f"reg/api:1@{DIGEST_A}", f"reg/api:2@{DIGEST_B}"
    evs = [event("deployment.started", "10:00:00", deployment_id="d1", version="1",
                 image=img_a, **P),
           event("deployment.succeeded", "10:05:00", deployment_id="d1", **P),
           event("deployment.started", "11:00:00", deployment_id="d2", version="2",
                 image=img_b, **P),
           event("deployment.failed", "11:05:00", deployment_id="d2", **P),
           event("deployment.started", "12:00:00", deployment_id="d3", version="2",
                 image=img_b, **P),
           event("deployment.succeeded", "12:05:00", deployment_id="d3", **P),
           event("service.stopped", "13:00:00", **P)]
    run(evs, order=[6, 5, 4, 3, 2, 1, 0], names=["images"])
    runs = sorted(rows(sql, "image_runs", **P), key=lambda r: r["from_at"])
    assert [(r["digest"], r["from_at"].hour, r["to_at"].hour) for r in runs] == [
        (DIGEST_A, 10, 12), (DIGEST_B, 12, 13)]
    # first seen: the earliest event naming the digest, though it was never published.
    b = one(sql, "images", repository="reg/api", digest=DIGEST_B)
    assert b["first_seen_at"].hour == 11 and b["published_at"] is None
