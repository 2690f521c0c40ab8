"""Helpers of the CDEvents and webhooks tests: the conformance examples, and delivery of
what the log holds to the handlers over HTTP, as the broker would."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from psycopg.rows import dict_row

from pts import routing
from pts.cloudevents.encode import to_binary
from pts.cloudevents.event import to_json
from tests.conftest import CONFORMANCE, conformance_dir, function_client


def examples() -> dict[str, dict]:
    """The CDEvents conformance examples by file stem (service_deployed, ...)."""
    folder = conformance_dir("cdevents") / "conformance"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def stems() -> list[str]:
    """The examples' stems for parametrize (none when the conformance data is absent: the
    tests then skip as having no parameters)."""
    folder = CONFORMANCE / "cdevents" / "conformance"
    return sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []


def schema_path(stem: str) -> Path:
    return conformance_dir("cdevents") / "schemas" / (stem.replace("_", "") + ".json")


def unique(event: dict, stem: str) -> dict:
    """The example with an id of its own: many examples share one source and id."""
    out = copy.deepcopy(event)
    out["context"]["id"] = f"{out['context']['id']}-{stem}"
    return out


def binary(event: dict) -> tuple[dict, bytes]:
    """A CDEvent as a binary-mode CloudEvent, as its CloudEvents binding prescribes."""
    ctx = event["context"]
    return to_binary({"specversion": "1.0", "id": ctx["id"], "source": ctx["source"],
                      "type": ctx["type"], "time": ctx.get("timestamp"),
                      "subject": event["subject"].get("id"),
                      "datacontenttype": "application/json", "data": event})


def structured(event: dict) -> dict:
    ctx = event["context"]
    return {"specversion": "1.0", "id": ctx["id"], "source": ctx["source"], "type": ctx["type"],
            "time": ctx["timestamp"], "datacontenttype": "application/json", "data": event}


def deliver_log(sql, after: int = 0) -> int:
    """POST every logged event after seq `after` to each handler that takes its type (binary
    mode, as the broker does); every answer must be 204. Returns the last seq."""
    with sql.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT * FROM platform_events WHERE seq > %s ORDER BY seq",
                           (after,)).fetchall()
    clients = {}
    for row in rows:
        for handler in routing.subscribers(row["type"]):
            client = clients.setdefault(handler, function_client(handler))
            headers, body = to_binary({**to_json(row), "ptsseq": row["seq"]})
            resp = client.post("/", headers=headers, data=body)
            assert resp.status_code == 204, (handler, row, resp.get_data(as_text=True))
        after = row["seq"]
    return after


def log_rows(sql, **where) -> list[dict]:
    cond = " AND ".join(f"{k} = %s" for k in where) or "true"
    with sql.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT * FROM platform_events WHERE {cond} ORDER BY seq",
                           tuple(where.values())).fetchall()
