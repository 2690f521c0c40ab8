"""Helpers of the eventing tests: test events and CloudEvents headers."""

from __future__ import annotations


def deployment(i: int = 1, **data) -> dict:
    """A plain-JSON deployment.started event."""
    return {"type": "deployment.started", "id": f"dep-{i}", "deployment_id": f"d-{i}",
            "service": "api", "environment": "prod", "version": "1.0", **data}


def ce_headers(i: int = 1, type_: str = "dev.pts.deployment.started", **extra) -> dict:
    """Binary-mode headers of a test CloudEvent."""
    return {"ce-specversion": "1.0", "ce-id": f"e-{i}", "ce-source": "/test",
            "ce-type": type_, "Content-Type": "application/json",
            **{f"ce-{k}": v for k, v in extra.items()}}

