"""Any authenticated payload is kept: whatever JSON object a producer sends, its adapter
reads it or the delivery is stored unmapped, and what it maps onto passes the catalog or is
dropped with a note, never a 500 (no database: the adapters alone)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pts.config import get_settings
from pts.domain.envelope import Envelope, validate_event
from pts.webhooks.adapt import Adapted
from pts.webhooks.receive import ADAPTERS, adapt

from . import helpers as h

FIXTURES = {"github": ("github_deployment_status", "deployment_status"),
            "gitlab": ("gitlab_pipeline", None), "argocd": ("argocd_on_deployed", None),
            "flux": ("flux_kustomization", None), "harbor": ("harbor_push_artifact", None),
            "registry": ("registry_events", None)}
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


def _paths(doc, prefix=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _replace(doc, path, value):
    doc = json.loads(json.dumps(doc))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(ADAPTERS)), data=st.data())
def test_adapters_never_fail_on_odd_shapes(kind, data):
    name, event = FIXTURES[kind]
    base = h.fixture(name)
    path = data.draw(st.sampled_from(list(_paths(base))))
    payload = _replace(base, path, data.draw(values))
    headers = {"x-github-event": event} if event else {}
    out = adapt(kind, headers, payload, get_settings())
    assert isinstance(out, Adapted) and out.type
    for m in out.mapped:
        raw = {"specversion": "1.0", "id": "x", "source": "/s", "type": m.type, "data": m.data}
        if m.time:
            raw["time"] = m.time
        result = validate_event(raw)
        assert isinstance(result, Envelope) or all(e.kind in ("data", "type") for e in result)
