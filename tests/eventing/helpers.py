"""Helpers of the eventing tests: test events and CloudEvents headers."""

from __future__ import annotations

import contextlib

from pts.broker import queue
from pts.cloudevents.encode import to_binary
from pts.config import get_settings
from pts.db.pool import get_pool


def deployment(i: int = 1, **data) -> dict:
    """A plain-JSON deployment.started event."""
    return {"type": "deployment.started", "id": f"dep-{i}", "deployment_id": f"d-{i}",
            "service": "api", "environment": "prod", "version": "1.0", **data}


def ce_headers(i: int = 1, type_: str = "dev.pts.deployment.started", **extra) -> dict:
    """Binary-mode headers of a test CloudEvent (with JSON data), written by the codec."""
    headers, _ = to_binary({"specversion": "1.0", "id": f"e-{i}", "source": "/test",
                            "type": type_, "datacontenttype": "application/json", **extra})
    return headers



def local_settings(monkeypatch):
    """Settings as `pts up` gives its workers (local emission, a functions URL)."""
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    monkeypatch.setenv("PTS_FUNCTIONS_URL", "http://127.0.0.1:9")
    return get_settings()


def one_good_one_forged(ingest_client) -> None:
    """Ingest one deployment event, and queue one for the deployments handler that is not
    in the log (the handler refuses it)."""
    assert ingest_client.post("/", json=deployment(1)).status_code == 202
    forged = {**deployment(2), "id": "not-in-the-log", "source": "/nowhere"}
    with get_pool().connection() as conn, conn.transaction():
        queue.enqueue(conn, [(forged, ["deployments"])])


@contextlib.contextmanager
def deployments_failing(sql):
    """While inside, every deployments batch fails in PostgreSQL (its handled-events table
    renamed away); put back after."""
    sql.execute("ALTER TABLE deployments_handled_events RENAME TO gone")
    try:
        yield
    finally:
        sql.execute("ALTER TABLE gone RENAME TO deployments_handled_events")
