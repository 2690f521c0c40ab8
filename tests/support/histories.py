"""Hypothesis strategies for platform histories: deployments (with outcomes and rollbacks)
and service events over a few services, environments and times, shared by the projections'
order-independence property and search's matrix-at-a-time property."""

from __future__ import annotations

from hypothesis import strategies as st

SERVICES, ENVIRONMENTS = ["api", "web"], ["prod", "staging"]
VERSIONS = ["1", "2", "3"]
DIGESTS = ["sha256:" + c * 64 for c in "abc"]
IMAGES = [None, "reg/api:1", f"reg/api:2@{DIGESTS[0]}", f"reg/api@{DIGESTS[1]}"]
TIMES = [f"10:{m:02d}:00" for m in range(8)]  # few: equal times test the seq tie-break

times = st.sampled_from(TIMES)
pair = st.fixed_dictionaries({"service": st.sampled_from(SERVICES),
                              "environment": st.sampled_from(ENVIRONMENTS)})
health = st.tuples(st.just("service.health_changed"), times, pair.map(
    lambda p: {**p, "status": "healthy"}) | pair.map(lambda p: {**p, "status": "degraded"}))


@st.composite
def deployment(draw, did: str) -> list[tuple]:
    """(type, time, data) of one deployment: started, then up to two outcomes (a rollback
    names a version or not; a success may name the image it ended with)."""
    where = draw(pair)
    out = [("deployment.started", draw(times), dict(
        deployment_id=did, version=draw(st.sampled_from(VERSIONS)),
        image=draw(st.sampled_from(IMAGES)), actor="ann", **where))]
    for kind in draw(st.lists(st.sampled_from(["succeeded", "failed", "cancelled",
                                               "rolled_back"]), max_size=2)):
        data = dict(deployment_id=did, **where)
        if kind == "rolled_back":
            data["to_version"] = draw(st.sampled_from(VERSIONS + [None]))
        elif kind == "succeeded" and draw(st.booleans()):
            data["image"] = draw(st.sampled_from(IMAGES[1:]))
        out.append((f"deployment.{kind}", draw(times), data))
    return out
