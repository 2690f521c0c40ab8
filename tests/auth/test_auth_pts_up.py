"""`pts up` as a real subprocess: tokens managed with `pts token` while it runs on the same
data directory, PTS_ADMIN_TOKEN registered at start, header and body limits of the server."""

from __future__ import annotations

import http.client
import json

import pytest

from tests.support.up import environment, migrated_copy, pts, up

ADMIN = "pts_up-test-admin-token-abcdefghijklmnopqrstuvwxyz012345"
EVENT = {"type": "deployment.started", "deployment_id": "d-1", "service": "api",
         "environment": "prod", "version": "1"}


@pytest.fixture(scope="module")
def pts_up(tmp_path_factory):
    data_dir = migrated_copy(tmp_path_factory.mktemp("pts-up") / "data")
    env = environment({"PTS_ADMIN_TOKEN": ADMIN, "PTS_AUDIT_INTERVAL_SECONDS": "0",
                       "PTS_MAX_BODY_BYTES": "4096"}, clear=("DATABASE_URL", "PTS_BROKER_TOKEN"))
    server = up(data_dir, "--threads", "4", env=env, token=None, timeout=120)
    cli_env = {k: v for k, v in env.items() if k != "PTS_ADMIN_TOKEN"}
    yield server, data_dir, cli_env
    server.close()


def _request(server, path, method="GET", body=None, headers=None):
    return server.request(method, path, body, headers)


def _post(server, token, event=EVENT):
    return _request(server, "/function/ingest", "POST", json.dumps(event).encode(),
                    {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})


def test_tokens_are_managed_while_pts_up_runs(pts_up):
    server, data_dir, env = pts_up
    listed = pts("token", "list", "--data-dir", str(data_dir), env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].split()[:2] == ["PTS_ADMIN_TOKEN", "ingest,read,admin"]
    assert ADMIN not in listed.stdout
    created = pts("token", "create", "--name", "ci", "--scope", "ingest", "--source-prefix",
                   "/ci/", "--data-dir", str(data_dir), env=env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert _post(server, token)[0] == 403  # plain JSON gets /pts/plain, outside /ci/
    status, _, body = _post(server, token, {**EVENT, "source": "/ci/build"})
    assert status == 202, body
    assert _post(server, "pts_nonsense")[0] == 401
    assert _request(server, "/function/ingest", "POST", b"{}",
                    {"Content-Type": "application/json"})[0] == 401
    used = pts("token", "list", "--data-dir", str(data_dir), env=env).stdout.splitlines()
    ci = next(line.split() for line in used if line.startswith("ci "))
    assert ci[5] == "ingest"  # last used by
    revoked = pts("token", "revoke", "ci", "--data-dir", str(data_dir), env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert _post(server, token, {**EVENT, "source": "/ci/build", "id": "2"})[0] == 401
    # The CLI's exits left the shared embedded server running.
    assert _post(server, ADMIN, {**EVENT, "id": "3"})[0] == 202


def test_the_admin_page_is_served_with_its_headers(pts_up):
    server, _, _ = pts_up
    status, headers, body = _request(server, "/function/admin")
    assert status == 200 and b"/function/admin/app.js" in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    for path in ("/function/admin/../ingest", "/function/admin/%2e%2e/%2e%2e/etc/passwd",
                 "/function/admin//etc/passwd", "/function/admin/..%2f..%2fpyproject.toml"):
        status, _, body = _request(server, path)
        assert status in (400, 404) and b"root:" not in body and b"[project]" not in body, path


def test_server_limits(pts_up):
    server, _, _ = pts_up
    assert _request(server, "/function/ingest", "POST", b"{}", {
        "Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}",
        "X-Big": "v" * 9000})[0] in (400, 431)
    many = {f"X-H{i}": "v" for i in range(120)}
    assert _request(server, "/function/ingest", "POST", b"{}", {
        "Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}", **many})[0] in (
        400, 431)
    # A chunked body (no Content-Length) over the limit is refused, not read to the end.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    chunks = (json.dumps({**EVENT, "pad": "x" * 8000}).encode()[i:i + 1000]
              for i in range(0, 9000, 1000))
    conn.request("POST", "/function/ingest", body=chunks, encode_chunked=True, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}",
        "Transfer-Encoding": "chunked"})
    assert conn.getresponse().status == 413
    conn.close()
