"""Fast CLI: commands that do not migrate check the schema with one query and load neither
alembic, SQLAlchemy nor Flask. (Timings live in bench/cli_latency.py, not in tests.)"""

from __future__ import annotations

import subprocess
import sys

import psycopg

from pts.db.revision import current_revisions, head_revisions
from pts.db.urls import to_conninfo
from tests.conftest import ROOT


def _imported(args: list[str]) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "pts.cli", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {line.split("|")[-1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:")}


def test_token_list_and_status_load_no_heavy_library(db_url):
    for args in (["token", "list"], ["status"], ["deadletters", "list"]):
        modules = _imported([*args, "--database-url", db_url])
        heavy = {m for m in modules if m.split(".")[0] in ("alembic", "sqlalchemy", "flask",
                                                           "functions_framework")}
        assert not heavy, (args, sorted(heavy))


def test_the_head_is_read_from_the_scripts_and_matches_alembic(db_url):
    from alembic.script import ScriptDirectory

    from pts.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(db_url))
    assert head_revisions() == frozenset(script.get_heads())
    with psycopg.connect(to_conninfo(db_url)) as conn:
        assert current_revisions(conn) == head_revisions()


def test_an_embedded_database_behind_the_head_is_still_migrated(tmp_path):
    from pts.db.embedded import embedded_urls, ensure_embedded
    from pts.db.migrate import downgrade

    from .helpers import stop_embedded

    try:
        downgrade(embedded_urls(tmp_path / "data").owner, "-1")  # the owner migrates
        from pts.db import embedded

        embedded._started.pop((tmp_path / "data").resolve())  # as a new process would
        url = ensure_embedded(tmp_path / "data")
        with psycopg.connect(to_conninfo(url)) as conn:
            assert current_revisions(conn) == head_revisions()
    finally:
        stop_embedded(tmp_path / "data")
