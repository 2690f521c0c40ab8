"""Helpers of the access-control tests (fixtures: tests/conftest.py)."""

from __future__ import annotations


def deployment(i: int = 1, source: str = "/ci/a") -> dict:
    """A valid structured-mode deployment.started event."""
    return {"specversion": "1.0", "id": f"e-{i}", "source": source,
            "type": "dev.pts.deployment.started",
            "data": {"deployment_id": f"d-{i}", "service": "api", "environment": "prod",
                     "version": "1.0"}}


def bearer(token: str) -> dict:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}
