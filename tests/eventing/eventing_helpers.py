"""Helpers of the eventing tests (imported by name: this folder is on sys.path)."""

from __future__ import annotations


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deployment(i: int = 1, **data) -> dict:
    """A plain-JSON deployment.started event."""
    return {"type": "deployment.started", "id": f"dep-{i}", "deployment_id": f"d-{i}",
            "service": "api", "environment": "prod", "version": "1.0", **data}
