"""The routing declaration and what is derived from it (see also test_manifests.py)."""

from __future__ import annotations

from pts import routing
from pts.broker import triggers
from pts.config import get_settings
from pts.domain.catalog import CATALOG
from pts.domain.functions import FUNCTIONS


def test_routes_name_the_handlers_and_known_types():
    assert set(routing.handlers()) == {"deployments", "services", "images"}
    for route in routing.triggers():
        assert route.is_prefix or route.filter in CATALOG, route
        assert route.filter.startswith("dev.pts.")


def test_exact_and_prefix_matching():
    table = {"a": ("dev.pts.deployment.started",), "b": ("dev.pts.platform.",)}
    assert routing.subscribers("dev.pts.deployment.started", table) == ["a"]
    assert routing.subscribers("dev.pts.deployment.started.x", table) == []
    assert routing.subscribers("dev.pts.platform.note", table) == ["b"]
    assert routing.subscribers("dev.pts.platformx", table) == []
    assert routing.Trigger("b", "dev.pts.platform.").name == "b-platform-prefix"


def test_catalog_types_reach_the_agreed_handlers():
    assert routing.subscribers("dev.pts.deployment.succeeded") == ["deployments", "services",
                                                                   "images"]
    assert routing.subscribers("dev.pts.image.published") == ["services", "images"]
    assert routing.subscribers("dev.pts.service.started") == ["services", "images"]
    assert routing.subscribers("dev.pts.service.health_changed") == ["services"]
    assert routing.subscribers("dev.pts.platform.anything") == []


def test_local_broker_triggers_are_the_declaration():
    urls = {h: f"http://127.0.0.1:1/{h}" for h in routing.handlers()}
    settings = get_settings(broker_subscribers=urls, broker_routes=None)
    for type_ in [*CATALOG, "dev.pts.platform.x"]:
        assert triggers.matching(type_, settings) == routing.subscribers(type_)
    assert triggers.inactive(settings) == []


def test_uninstalled_handlers_have_inactive_triggers():
    settings = get_settings(broker_subscribers={}, functions_url="http://127.0.0.1:1")
    installed = {f.name for f in FUNCTIONS}
    assert set(triggers.inactive(settings)) == set(routing.handlers()) - installed
    assert triggers.dead_letter_url(settings) == "http://127.0.0.1:1/function/deadletter"
