"""What `pts up` says about PTS_ADMIN_TOKEN is what happened to it."""

from __future__ import annotations

from pts.auth import store
from pts.cli import up
from pts.config import get_settings
from pts.db.pool import get_pool


def test_the_banner_tells_registered_active_and_revoked_apart(db_url):
    first = up._prepare_auth(get_settings())
    assert "PTS_ADMIN_TOKEN is registered, all scopes" in first
    again = up._prepare_auth(get_settings())
    assert "PTS_ADMIN_TOKEN is registered (since an earlier start)" in again
    assert store.revoke(get_pool(get_settings()), "PTS_ADMIN_TOKEN") is not None
    revoked = up._prepare_auth(get_settings())
    assert "PTS_ADMIN_TOKEN was revoked earlier and stays refused" in revoked
    assert "is registered" not in revoked
    assert "pts token create" in revoked
