"""Reading back what ingest stored."""

from __future__ import annotations

COLUMNS = ("seq", "id", "source", "type", "specversion", "subject", "time", "datacontenttype",
           "dataschema", "extensions", "data", "data_base64", "service", "environment")


def stored_events(sql) -> list[dict]:
    rows = sql.execute(f"SELECT {', '.join(COLUMNS)} FROM platform_events ORDER BY seq")
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def count(sql) -> int:
    return sql.execute("SELECT count(*) FROM platform_events").fetchone()[0]


def deployment(deployment_id: str = "d-1", **extra) -> dict:
    """Data of a valid dev.pts.deployment.started event."""
    return {"deployment_id": deployment_id, "service": "api", "environment": "prod",
            "version": "1.4.2", **extra}
