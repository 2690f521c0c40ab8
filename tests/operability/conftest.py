"""Operability fixtures: `pts up` on the test database, as a subprocess."""

from __future__ import annotations

import pytest


@pytest.fixture
def up(db_url, tmp_path):
    """up(*args, **env) -> a running `pts up` on the test database (stopped after the test)."""
    from tests.support.env import TEST_TOKEN
    from tests.support.up import environment
    from tests.support.up import up as start_up

    started = []

    def start(*args: str, **env: str):
        server = start_up(tmp_path / "data", "--database-url", db_url, *args,
                          env=environment({"PTS_ADMIN_TOKEN": TEST_TOKEN, **env}))
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(autouse=True)
def _fresh_gauges(monkeypatch):
    """Each scrape of a test reads the database (no per-process cache between scrapes)."""
    from pts.usecases.gauges import forget

    monkeypatch.setenv("PTS_METRICS_CACHE_SECONDS", "0")
    forget()
    yield
    forget()
