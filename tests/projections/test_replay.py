"""`pts replay`: a rebuild equals live processing, swaps in atomically while handlers run,
and --from catches up deliveries that never arrived."""

import threading

import psycopg
import pytest

from pts.cli import main
from pts.db.urls import to_conninfo
from pts.projections.rebuild import REBUILDERS
from pts.projections.registry import PROJECTIONS
from pts.projections.replay import replay

from .helpers import deliver_all, event, log, tables

P = dict(service="api", environment="prod")
DIGEST = "sha256:" + "d" * 64


def stream(n: int, prefix: str = "d") -> list[dict]:
    events = [event("service.registered", "08:00:00", service="api", owner="team"),
              event("image.published", "08:30:00", repository="reg/api", digest=DIGEST,
                    tag="latest")]
    for i in range(n):
        did, t = f"{prefix}{i}", f"{9 + i // 60:02d}:{i % 60:02d}"
        events += [
            event("deployment.started", f"{t}:00", deployment_id=did, version=str(i % 3),
                  image=f"reg/api:{i % 3}@{DIGEST}" if i % 2 else f"reg/api:{i % 3}", **P),
            event("deployment.succeeded" if i % 4 else "deployment.failed", f"{t}:30",
                  deployment_id=did, **P),
            event("service.health_changed", f"{t}:40",
                  status="healthy" if i % 2 else "degraded", **P),
        ]
    return events


def indexes(sql) -> set:
    return set(sql.execute("SELECT tablename, indexname, indexdef FROM pg_indexes "
                           "WHERE schemaname = 'public'").fetchall())


def test_replay_equals_live_processing(sql, db_url, capsys):
    events = stream(40)
    log(events)
    deliver_all(list(reversed(events)))
    live, before = tables(sql), indexes(sql)
    assert any(r["rollback_inferred"] for r in live["deployments"])  # 0, 1, 2, then 1 again
    assert main(["replay", "--database-url", db_url, "--batch", "7"]) == 0
    assert tables(sql) == live
    assert indexes(sql) == before  # same names and definitions after the swap
    err = capsys.readouterr().err
    assert f"deployments  [{'#' * 30}] 80/80 events" in err
    assert sql.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pts_replay%'"
                       ).fetchone()[0] == 0


def test_replay_from_an_empty_projection_builds_it(sql, db_url):
    events = stream(10)
    log(events)
    deliver_all(events)
    live = tables(sql)
    for p in PROJECTIONS.values():
        sql.execute("; ".join(f"DELETE FROM {t}" for t in p.tables))
    assert main(["replay", "--database-url", db_url, "--handler", "images"]) == 0
    assert tables(sql, ["images"]) == {k: v for k, v in live.items() if k.startswith("image")}
    assert tables(sql, ["deployments"])["deployments"] == []


def test_from_seq_catches_up_missed_deliveries(sql, db_url):
    events = stream(12)
    log(events)
    deliver_all(events)
    live = tables(sql)
    for p in PROJECTIONS.values():
        sql.execute("; ".join(f"DELETE FROM {t}" for t in p.tables))
    deliver_all(events[:20])  # the broker lost the rest
    assert tables(sql) != live
    first = sql.execute("SELECT min(seq) FROM platform_events").fetchone()[0]
    assert main(["replay", "--database-url", db_url, "--from", str(first + 5)]) == 0
    assert tables(sql) == live


def test_swap_takes_in_what_live_handlers_did_during_the_build(sql, db_url, owner_url):
    early, late = stream(8), stream(4, prefix="late")
    log(early)
    deliver_all(early)

    def deliver_late():  # after the build read the log, before the swap
        log(late)
        deliver_all(late)

    with psycopg.connect(to_conninfo(owner_url)) as conn:  # replay swaps tables: the owner
        for p in PROJECTIONS.values():
            result = replay(conn, p, before_swap=deliver_late if p.name == "deployments"
                            else None)
            if p.name == "deployments":
                assert result.caught_up == 8  # the late deployment events
    rebuilt = tables(sql)
    for p in PROJECTIONS.values():
        sql.execute("; ".join(f"DELETE FROM {t}" for t in p.tables))
    deliver_all(early + late)
    assert rebuilt == tables(sql)


def test_readers_never_see_a_half_built_table(sql, db_url):
    events = stream(30)
    log(events)
    deliver_all(events)
    expected = sql.execute("SELECT count(*) FROM deployments").fetchone()[0]
    seen, errors, reads, stop = set(), [], [0], threading.Event()

    def read():
        try:
            with psycopg.connect(to_conninfo(db_url), autocommit=True) as conn:
                while not stop.is_set():
                    seen.add(conn.execute("SELECT count(*) FROM deployments").fetchone()[0])
                    reads[0] += 1
        except Exception as exc:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            assert main(["replay", "--database-url", db_url, "--handler", "deployments",
                         "--batch", "10"]) == 0
    finally:
        stop.set()
        reader.join()
    assert errors == [] and reads[0] > 10
    assert seen == {expected}


def test_unknown_handler_is_a_usage_error(db_url, capsys):
    assert main(["replay", "--database-url", db_url, "--handler", "nope"]) == 2
    assert "unknown handler" in capsys.readouterr().err


def test_one_replay_of_a_projection_at_a_time(db_url, capsys):
    with psycopg.connect(to_conninfo(db_url), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtextextended('pts.replay:services', 0))")
        assert main(["replay", "--database-url", db_url, "--handler", "services"]) == 2
        assert "already running" in capsys.readouterr().err
    assert main(["replay", "--database-url", db_url, "--handler", "services"]) == 0


def test_a_rebuild_skips_what_the_catalog_refuses_as_live_handlers_do(sql, db_url, capsys):
    events = stream(6)
    log(events)
    # Only ingest writes the log and it validates; a row from an older catalog may not fit
    # (no version): every handler refuses it, live and in a rebuild.
    sql.execute(
        "INSERT INTO platform_events (id, source, type, specversion, data, occurred_at, "
        "content_hash) VALUES ('old-1', '/old', 'dev.pts.deployment.started', '1.0', "
        "'{\"deployment_id\": \"d1\", \"service\": \"api\", \"environment\": \"prod\"}', "
        "'2026-11-01T09:00:10Z', 'x')")
    deliver_all(events)
    live = tables(sql)
    assert main(["replay", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    for name in PROJECTIONS:
        assert f"{name}: " in out and " 1 skipped, 0 caught up" in out.split(f"{name}: ")[1]
    assert tables(sql) == live


def test_a_failed_rebuild_changes_nothing(sql, db_url, monkeypatch):
    events = stream(6)
    log(events)
    deliver_all(events)
    live = tables(sql)

    def fail(conn, types):
        conn.execute("SELECT 1/0")

    with monkeypatch.context() as patched, pytest.raises(psycopg.errors.DivisionByZero):
        patched.setitem(REBUILDERS, "images", fail)
        main(["replay", "--database-url", db_url])
    assert tables(sql) == live  # no projection swapped in
    assert sql.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pts_replay%'"
                       ).fetchone()[0] == 0
    assert main(["replay", "--database-url", db_url]) == 0  # the replay locks were freed
    assert tables(sql) == live
