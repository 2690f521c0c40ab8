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


def ce_headers(i: int = 1, type_: str = "dev.pts.deployment.started", **extra) -> dict:
    """Binary-mode headers of a test CloudEvent."""
    return {"ce-specversion": "1.0", "ce-id": f"e-{i}", "ce-source": "/test",
            "ce-type": type_, "Content-Type": "application/json",
            **{f"ce-{k}": v for k, v in extra.items()}}


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02):
    """Poll predicate until it returns a truthy value (test helper, not product code)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(interval)
