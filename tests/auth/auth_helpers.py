"""Fixtures and helpers of the access-control tests (imported by each test module): tokens
made through the library, clients without the default token, a clean audit and rate-limit
state per test."""

from __future__ import annotations

import pytest

from conftest import function_client
from pts.auth import audit, ratelimit, store
from pts.config import get_settings
from pts.db.pool import get_pool


@pytest.fixture(autouse=True)
def _clean_auth_state():
    audit.reset()
    ratelimit.reset()
    yield
    audit.reset()
    ratelimit.reset()


@pytest.fixture
def make_token(db_url):
    """make_token(name, *scopes, source_prefix=None) -> the token (stored by hash)."""

    def make(name: str, *scopes: str, source_prefix: str | None = None) -> str:
        token, _ = store.create(get_pool(get_settings()), name, list(scopes), source_prefix)
        return token

    return make


@pytest.fixture
def anon(db_url):
    """anon(name) -> a client of functions/<name> that sends no token."""
    return lambda name: function_client(name, token=None)


def deployment(i: int = 1, source: str = "/ci/a") -> dict:
    """A valid structured-mode deployment.started event."""
    return {"specversion": "1.0", "id": f"e-{i}", "source": source,
            "type": "dev.pts.deployment.started",
            "data": {"deployment_id": f"d-{i}", "service": "api", "environment": "prod",
                     "version": "1.0"}}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
