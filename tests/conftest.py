"""Shared fixtures: a real PostgreSQL (embedded unless PTS_TEST_DATABASE_URL is set), one
migrated database per test session (per xdist worker) emptied before each test, and fresh
databases for the tests marked `fresh_database` (they change the schema). Helpers live in
tests/support/."""

from __future__ import annotations

import logging
import os

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from pts.config import reset_settings
from pts.db import pool as db_pool
from pts.db.urls import to_conninfo
from tests.support import shared
from tests.support.database import (  # noqa: F401  (re-exported for older imports)
    APP_ROLE,
    TEMPLATE,
    admin_execute,
    as_app,
    create_template,
    drop_database,
    fresh_database,
    remember_seeds,
    reset_database,
    start_server,
)
from tests.support.env import (  # noqa: F401  (re-exported for older imports)
    AUTH_HEADERS,
    CONFORMANCE,
    ROOT,
    TEST_BROKER_TOKEN,
    TEST_TOKEN,
    conformance_dir,
    function_client,
)
from tests.support.up import stop_postgres

# Developers' runs stay quick and random (they keep finding new cases over many runs); CI
# explores many more examples, the same ones every run (a red CI must mean a change broke
# something). HYPOTHESIS_PROFILE picks one by name. No deadline: an example that takes
# over 200 ms on a loaded machine is not a failure (speed is measured by bench/).
hypothesis_settings.register_profile("dev", max_examples=30, deadline=None)
hypothesis_settings.register_profile("ci", max_examples=300, derandomize=True,
                                     print_blob=True, deadline=None)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_configure(config):
    made = shared.start_run()
    if made is not None:  # this process ends the run: the controller, or a run without -n
        config.add_cleanup(lambda: shared.end_run(made, stop_postgres))


def pytest_collection_modifyitems(config, items):
    """Under xdist, the tests that share a module or session fixture of their own folder or
    module (a `pts up` serving a module, the admin page's demo, a 1M-event log) run on one
    worker (`--dist loadgroup`), which makes it once; every other test goes where a worker
    is free."""
    if config.getoption("dist", "no") == "no":
        return
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        shared_here = sorted(
            defs[-1].baseid for name in (info.names_closure if info else ())
            if (defs := info.name2fixturedefs.get(name))
            and defs[-1].scope != "function" and defs[-1].baseid not in ("", "tests"))
        if shared_here:
            item.add_marker(pytest.mark.xdist_group(shared_here[0]))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    """Captured output keeps no lone surrogate (hostile-input tests log some): xdist sends
    reports to the controller as UTF-8, and a worker dies on one."""
    report.sections = [(title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
                       for title, text in report.sections]


@pytest.fixture(scope="session")
def pg_admin_url():
    """A superuser URL of the test server: PTS_TEST_DATABASE_URL, else an embedded server
    (one per run, whichever worker asks first)."""
    return os.environ.get("PTS_TEST_DATABASE_URL") or shared.once("postgres", start_server)[1]


@pytest.fixture(scope="session")
def template_url(pg_admin_url):
    """A database migrated to head, the template of every test database (one per run)."""
    return shared.once("template", lambda _: create_template(pg_admin_url))[1]


@pytest.fixture(scope="session")
def session_db_url(pg_admin_url, template_url):
    """The migrated database the tests of this session share (emptied before each test)."""
    url = fresh_database(pg_admin_url)
    remember_seeds(url)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture
def owner_url(request, pg_admin_url, template_url):
    """The test's migrated database with no rows, as its owner (the server's superuser): for
    migrations, replay and set-up that the functions' role may not do. db_url is the same
    database as the functions' role.

    It is the session's database emptied by reset_database, or a new database of its own
    for tests marked `fresh_database`."""
    fresh = request.node.get_closest_marker("fresh_database") is not None
    if fresh:
        url = fresh_database(pg_admin_url)
    else:
        url = request.getfixturevalue("session_db_url")
        reset_database(url)
    yield url
    if fresh:
        drop_database(pg_admin_url, url)
    else:
        db_pool.close_for(url)


@pytest.fixture
def db_url(owner_url, monkeypatch):
    """owner_url's database as the functions' role (APP_ROLE: a member of pts_functions,
    neither owner nor superuser, as in production); DATABASE_URL points at it,
    PTS_MIGRATE_DATABASE_URL at owner_url, PTS_ADMIN_TOKEN is TEST_TOKEN and
    PTS_BROKER_TOKEN is TEST_BROKER_TOKEN."""
    url = as_app(owner_url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PTS_MIGRATE_DATABASE_URL", owner_url)
    monkeypatch.setenv("PTS_ADMIN_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PTS_BROKER_TOKEN", TEST_BROKER_TOKEN)
    yield url
    db_pool.close_for(url)  # the next test may configure its pool differently


@pytest.fixture
def sql(db_url, owner_url):
    """Run SQL on the test database in autocommit mode, as its owner (a superuser) would."""
    conn = psycopg.connect(to_conninfo(owner_url), autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def ingest_client(db_url):
    return function_client("ingest")


class _MonkeyPatch(pytest.MonkeyPatch):
    """pytest's MonkeyPatch that also forgets the cached settings whenever it changes the
    environment, so a test's setenv is seen by the next request, as a restart would."""

    def setenv(self, name, value, prepend=None):
        super().setenv(name, value, prepend)
        reset_settings()

    def delenv(self, name, raising=True):
        super().delenv(name, raising)
        reset_settings()

    def undo(self):
        super().undo()
        reset_settings()


@pytest.fixture
def monkeypatch():
    """The built-in fixture, with the settings reset on every environment change."""
    mp = _MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Each test builds the settings from its own environment (they are cached per process)."""
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(autouse=True)
def _logging_state():
    """Each test leaves the loggers as it found them: a library that configures logging
    (import-linter disables every existing logger) or `pts` run in process (main() sets
    levels) must not silence the next test's caplog, whichever test an xdist worker runs
    next."""
    loggers = logging.Logger.manager.loggerDict
    before = {name: (lg.level, lg.disabled, lg.propagate) for name, lg in loggers.items()
              if isinstance(lg, logging.Logger)}
    root = logging.root.level
    yield
    for name, lg in list(loggers.items()):
        if isinstance(lg, logging.Logger):
            lg.level, lg.disabled, lg.propagate = before.get(name, (lg.level, False, True))
    logging.root.setLevel(root)  # also clears the loggers' cached levels


@pytest.fixture(autouse=True)
def _auth_state():
    """Each test starts with no rate-limit buckets and no audit memory of this process."""
    from pts.auth import audit, ratelimit

    audit.reset()
    ratelimit.reset()
    yield


@pytest.fixture
def make_token(db_url):
    """make_token(name, *scopes, source_prefix=None) -> a new token (stored by hash)."""
    from pts.auth import store
    from pts.config import get_settings
    from pts.db.pool import get_pool

    def make(name: str, *scopes: str, source_prefix: str | None = None) -> str:
        return store.create(get_pool(get_settings()), name, list(scopes), source_prefix)[0]

    return make


@pytest.fixture
def anon_client(db_url):
    """anon_client(name) -> a client of functions/<name> that sends no token."""
    return lambda name: function_client(name, token=None, broker=None)
