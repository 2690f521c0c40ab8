"""Operability fixtures: `pts up` on the test database, as a subprocess."""

from __future__ import annotations

import pytest


@pytest.fixture
def up(db_url, tmp_path):
    """up(*args, **env) -> a running `pts up` on the test database (stopped after the test)."""
    from tests.e2e.up import Up

    started = []

    def start(*args: str, **env: str) -> Up:
        server = Up(tmp_path, "--database-url", db_url, *args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.stop()


@pytest.fixture(autouse=True)
def _fresh_gauges(monkeypatch):
    """Each scrape of a test reads the database (no per-process cache between scrapes)."""
    from pts.metrics.database import forget

    monkeypatch.setenv("PTS_METRICS_CACHE_SECONDS", "0")
    forget()
    yield
    forget()
