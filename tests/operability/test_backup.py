"""`pts backup` and `pts restore`: a populated database round-trips whole, and a dump taken
while events arrive is one consistent snapshot."""

from __future__ import annotations

import json
import threading
import uuid

import psycopg

from pts.cli import main
from pts.db.urls import to_conninfo, with_database
from tests.conftest import admin_execute, drop_database, function_client

from .helpers import batch, post_json, stop_embedded
from .test_deadletters import _dead_letter


def _populate(monkeypatch, make_token) -> list[str]:
    """Tokens, events in the log, the broker's queue and the projections, dead letters."""
    from tests.projections.helpers import deliver_all

    tokens = [make_token("ci", "ingest", source_prefix="/ci/"), make_token("ops", "read")]
    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    events = batch(12)
    assert post_json(function_client("ingest"), events).status_code == 202
    deliver_all(events)
    _dead_letter(1)
    return tokens


def _dump_tables(url: str) -> dict[str, list[tuple]]:
    """Every table of the database, all columns, rows sorted."""
    with psycopg.connect(to_conninfo(url)) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "ORDER BY tablename")]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"').fetchall()))
                for n in names}


def test_backup_and_restore_round_trip_a_populated_database(db_url, owner_url, tmp_path,
                                                            monkeypatch, make_token, capsys):
    tokens = _populate(monkeypatch, make_token)
    before = _dump_tables(owner_url)
    assert len(before["platform_events"]) == 12 and before["deployments"]
    assert before["broker_deliveries"] and before["dead_letters"]
    dump = tmp_path / "pts.dump"
    assert main(["backup", str(dump), "--database-url", owner_url]) == 0
    assert main(["backup", str(dump), "--database-url", owner_url]) == 2  # never overwritten
    new = tmp_path / "restored"
    assert main(["restore", str(dump), "--data-dir", str(new)]) == 0
    assert main(["restore", str(dump), "--data-dir", str(new)]) == 2  # not an empty dir
    from pts.db.embedded import embedded_urls

    restored = embedded_urls(new)
    try:
        assert _dump_tables(restored.owner) == before
        _check_restored(restored.app, before, tokens, monkeypatch, capsys)
    finally:
        stop_embedded(new)


def _check_restored(restored_url, before, tokens, monkeypatch, capsys) -> None:
    # The tokens work against the restored database, and the log stays immutable there.
    monkeypatch.setenv("DATABASE_URL", restored_url)
    capsys.readouterr()
    assert main(["token", "list", "--json", "--database-url", restored_url]) == 0
    names = {json.loads(line)["name"] for line in capsys.readouterr().out.splitlines()}
    assert {"ci", "ops"} <= names
    search = function_client("search", token=tokens[1])
    assert len(search.get("/events?limit=100").get_json()["items"]) == 12
    with psycopg.connect(to_conninfo(restored_url), autocommit=True) as conn:
        try:
            conn.execute("DELETE FROM platform_events")
            raise AssertionError("the restored log accepted a DELETE")
        except psycopg.Error:
            pass
        # The identity continues after the restored events.
        assert conn.execute("SELECT max(seq) FROM platform_events").fetchone()[0] == 12
    ingest = function_client("ingest", token=tokens[0])
    resp = post_json(ingest, [{**batch(1, start=500)[0], "source": "/ci/after"}])
    assert resp.status_code == 202 and resp.get_json()["events"][0]["seq"] == 13


def test_a_backup_taken_while_events_arrive_is_consistent(db_url, owner_url, pg_admin_url,
                                                          tmp_path, monkeypatch):
    from pts.config import get_settings
    from pts.db.pool import get_pool
    from pts.domain.envelope import validate_event
    from pts.usecases.ingest import ingest
    from pts.usecases.wiring import ingest_hooks

    monkeypatch.setenv("PTS_EMIT_MODE", "local")
    settings = get_settings()
    stop = threading.Event()

    def produce():
        n = 0
        while not stop.is_set():
            envs = [validate_event(e) for e in batch(5, start=1000 + n)]
            ingest(get_pool(settings), envs, **ingest_hooks(settings))
            n += 5

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        dump = tmp_path / "live.dump"
        assert main(["backup", str(dump), "--database-url", owner_url]) == 0
    finally:
        stop.set()
        producer.join()
    name = "pts_test_restore_" + uuid.uuid4().hex[:8]
    admin_execute(pg_admin_url, f'CREATE DATABASE "{name}"')
    target = with_database(pg_admin_url, name)
    try:
        assert main(["restore", str(dump), "--database-url", target]) == 0
        assert main(["restore", str(dump), "--database-url", target]) == 2  # not empty now
        with psycopg.connect(to_conninfo(target)) as conn, \
                psycopg.connect(to_conninfo(db_url)) as source:
            restored = conn.execute("SELECT seq, source, id, content_hash FROM platform_events "
                                    "ORDER BY seq").fetchall()
            assert restored, "the producer had written nothing before the dump"
            # Each restored event is the source's and came with its outbox row (same
            # transaction); every broker copy (made after that commit) has its event: the
            # dump is one committed state, not a mix of two.
            original = dict((r[0], r) for r in source.execute(
                "SELECT seq, source, id, content_hash FROM platform_events "
                "WHERE seq = ANY(%s)", ([r[0] for r in restored],)))
            assert all(original[r[0]] == r for r in restored)
            assert conn.execute("SELECT count(*) FROM event_emissions").fetchone()[0] == len(
                restored)
            assert conn.execute(
                "SELECT count(*) FROM broker_events b WHERE NOT EXISTS (SELECT 1 FROM "
                "platform_events p WHERE p.source = b.ce_source AND p.id = b.ce_id)"
            ).fetchone()[0] == 0
    finally:
        drop_database(pg_admin_url, target)
