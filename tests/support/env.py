"""What every test shares: the project's folders, the test credentials, the conformance data
and the functions' test clients."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# ../shared/conformance beside the clone; PTS_CONFORMANCE_DIR names another place (a worktree).
CONFORMANCE = Path(os.environ.get("PTS_CONFORMANCE_DIR")
                   or ROOT.parent / "shared" / "conformance")
# The tests' PTS_ADMIN_TOKEN (every scope) and broker secret, sent by function_client.
TEST_TOKEN = "pts_test-admin-token-0123456789abcdefghijklmnopqrstuvwxyz"
TEST_BROKER_TOKEN = "test-broker-secret"
# For clients other than function_client (build_app, a pts up subprocess with PTS_ADMIN_TOKEN).
AUTH_HEADERS = {"Authorization": f"Bearer {TEST_TOKEN}", "X-PTS-Broker-Token": TEST_BROKER_TOKEN}


def conformance_dir(name: str) -> Path:
    """A folder of ../shared/conformance, or a skip when this clone has none beside it."""
    path = CONFORMANCE / name
    if not path.exists():
        pytest.skip(f"{path} is absent: conformance data comes with the project's shared folder")
    return path


def function_client(name: str, target: str | None = None, *, token: str | None = TEST_TOKEN,
                    broker: str | None = TEST_BROKER_TOKEN):
    """The functions-framework test client of functions/<name>, as the platform serves it.

    Every request sends `Authorization: Bearer <token>` and the broker's secret header unless
    token / broker is None; a request's own headers= win over these."""
    from functions_framework import create_app

    app = create_app(target or name, str(ROOT / "functions" / name / "main.py"))
    client = app.test_client()
    if token is not None:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if broker is not None:
        client.environ_base["HTTP_X_PTS_BROKER_TOKEN"] = broker
    return client
