"""Helpers of the eventing tests: test events and CloudEvents headers."""

from __future__ import annotations

from pts.cloudevents.encode import to_binary


def deployment(i: int = 1, **data) -> dict:
    """A plain-JSON deployment.started event."""
    return {"type": "deployment.started", "id": f"dep-{i}", "deployment_id": f"d-{i}",
            "service": "api", "environment": "prod", "version": "1.0", **data}


def ce_headers(i: int = 1, type_: str = "dev.pts.deployment.started", **extra) -> dict:
    """Binary-mode headers of a test CloudEvent (with JSON data), written by the codec."""
    headers, _ = to_binary({"specversion": "1.0", "id": f"e-{i}", "source": "/test",
                            "type": type_, "datacontenttype": "application/json", **extra})
    return headers

