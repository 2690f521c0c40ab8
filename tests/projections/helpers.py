"""Helpers of the projection tests: put events in the log, deliver them as the broker
would (through the library function the HTTP entry point calls), read the tables back."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from psycopg.rows import dict_row

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.domain.envelope import Envelope, validate_event
from pts.projections.delivery import apply_delivered
from pts.projections.registry import PROJECTIONS
from pts.usecases.ingest import ingest

VOLATILE = {"handled_at", "updated_at"}
_ids = itertools.count(1)


def event(type_: str, time: str, source: str = "/test", **data) -> dict:
    """A raw CloudEvent of a catalog type (short form accepted), time like 12:00:05."""
    full = type_ if type_.startswith("dev.pts.") else "dev.pts." + type_
    return {"specversion": "1.0", "id": f"e{next(_ids)}", "source": source, "type": full,
            "time": f"2026-11-01T{time}Z" if len(time) <= 8 else time, "data": data}


def log(events: list[dict]) -> list[Envelope]:
    """Append events to the log through ingest; returns their envelopes."""
    envelopes = []
    for raw in events:
        env = validate_event(raw)
        assert isinstance(env, Envelope), env
        envelopes.append(env)
    ingest(get_pool(get_settings()), envelopes)
    return envelopes


def handlers_for(type_: str) -> list[str]:
    return [name for name, p in PROJECTIONS.items() if type_ in p.types]


def deliver_all(events: list[dict], names: list[str] | None = None) -> None:
    """Deliver each event to every handler that takes its type, in the given order."""
    pool = get_pool(get_settings())
    for raw in events:
        for name in handlers_for(raw["type"]):
            if names is None or name in names:
                apply_delivered(pool, PROJECTIONS[name], raw)


def tables(conn, names: list[str] | None = None) -> dict[str, list[dict]]:
    """Every projection table (the handled-events ones included), rows sorted."""
    out = {}
    for name, projection in PROJECTIONS.items():
        if names is not None and name not in names:
            continue
        for table in projection.tables:
            with conn.cursor(row_factory=dict_row) as cur:
                rows = cur.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted(
                ({k: v for k, v in r.items() if k not in VOLATILE} for r in rows),
                key=lambda r: repr(sorted(r.items())),
            )
    return out


def rows(conn, table: str, **where) -> list[dict]:
    cond = " AND ".join(f"{k} = %s" for k in where) or "true"
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT * FROM {table} WHERE {cond}", tuple(where.values())).fetchall()


def one(conn, table: str, **where) -> dict:
    found = rows(conn, table, **where)
    assert len(found) == 1, (table, where, found)
    return found[0]


# Property tests that deliver a generated history to the handlers (fixtures are reset by
# the test itself: clear_projections).
DELIVERY_PROPERTY = settings(deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])


def clear_projections(conn) -> None:
    """Empty every projection's tables (the log stays)."""
    conn.execute("; ".join(f"DELETE FROM {t}" for p in PROJECTIONS.values() for t in p.tables))
