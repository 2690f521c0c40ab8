"""The webhook tests' fixture: an integration of a kind, and a client posting to it."""

from __future__ import annotations

import pytest

from tests.conftest import function_client


@pytest.fixture
def hook(db_url):
    """hook(kind, name=kind) -> (client posting to /function/webhooks/<name>, secret)."""
    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.webhooks import store

    def make(kind: str, name: str | None = None, prefix: str | None = None):
        secret, _ = store.create(get_pool(get_settings()), name or kind, kind, prefix)
        client = function_client("webhooks", token=None, broker=None)
        return (lambda body, headers: client.post(f"/{name or kind}", data=body,
                                                  headers=headers)), secret
    return make
