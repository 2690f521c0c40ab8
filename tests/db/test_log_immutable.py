"""The log is append-only, enforced by the database itself, whatever the client."""

from __future__ import annotations

import psycopg
import pytest

INSERT = """INSERT INTO platform_events (id, source, type, specversion, occurred_at,
            content_hash) VALUES ('1', '/s', 'dev.pts.platform.x', '1.0', now(), 'h')"""


@pytest.mark.parametrize("statement", [
    "UPDATE platform_events SET type = 'forged'",
    "UPDATE platform_events SET data = '{}' WHERE id = '1'",
    "DELETE FROM platform_events",
    "DELETE FROM platform_events WHERE id = '1'",
    "TRUNCATE platform_events",
    "TRUNCATE platform_events CASCADE",
])
def test_changes_to_the_log_fail_from_plain_sql(sql, statement):
    sql.execute(INSERT)
    # A plain TRUNCATE is refused first by the foreign key of the emission table; with
    # CASCADE (and every other statement) the log's own trigger refuses it.
    refused = (psycopg.errors.InsufficientPrivilege, psycopg.errors.FeatureNotSupported)
    with pytest.raises(refused, match="append-only|foreign key"):
        sql.execute(statement)
    row = sql.execute("SELECT id, type, data FROM platform_events").fetchall()
    assert row == [("1", "dev.pts.platform.x", None)]


def test_source_and_id_are_unique(sql):
    sql.execute(INSERT)
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql.execute(INSERT)


def test_sequence_numbers_cannot_be_chosen(sql):
    with pytest.raises(psycopg.errors.GeneratedAlways):
        sql.execute(INSERT.replace("(id,", "(seq, id,").replace("VALUES (", "VALUES (7, "))
