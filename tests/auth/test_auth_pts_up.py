"""`pts up` as a real subprocess: tokens managed with `pts token` while it runs on the same
data directory, PTS_ADMIN_TOKEN registered at start, header and body limits of the server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ADMIN = "pts_up-test-admin-token-abcdefghijklmnopqrstuvwxyz012345"
EVENT = {"type": "deployment.started", "deployment_id": "d-1", "service": "api",
         "environment": "prod", "version": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pts(*argv, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pts.cli", *argv], env=env, text=True,
                          capture_output=True, timeout=120)


def _request(base, path, method="GET", body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def pts_up(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pts-up") / "data"
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PTS_BROKER_TOKEN")}
    env.update(PTS_ADMIN_TOKEN=ADMIN, PTS_AUDIT_INTERVAL_SECONDS="0", PTS_MAX_BODY_BYTES="4096")
    log = open(data_dir.parent / "pts-up.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "pts.cli", "up", "--data-dir", str(data_dir),
                             "--port", str(port), "--threads", "4"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if _request(base, "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail("pts up did not start:\n" + (data_dir.parent / "pts-up.log").read_text())
        time.sleep(0.3)
    cli_env = {k: v for k, v in env.items() if k != "PTS_ADMIN_TOKEN"}
    yield base, data_dir, cli_env
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _post(base, token, event=EVENT):
    return _request(base, "/function/ingest", "POST", json.dumps(event).encode(),
                    {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})


def test_tokens_are_managed_while_pts_up_runs(pts_up):
    base, data_dir, env = pts_up
    listed = _pts("token", "list", "--data-dir", str(data_dir), env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].split()[:2] == ["PTS_ADMIN_TOKEN", "ingest,read,admin"]
    assert ADMIN not in listed.stdout
    created = _pts("token", "create", "--name", "ci", "--scope", "ingest", "--source-prefix",
                   "/ci/", "--data-dir", str(data_dir), env=env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert _post(base, token)[0] == 403  # plain JSON gets /pts/plain, outside /ci/
    status, _, body = _post(base, token, {**EVENT, "source": "/ci/build"})
    assert status == 202, body
    assert _post(base, "pts_nonsense")[0] == 401
    assert _request(base, "/function/ingest", "POST", b"{}",
                    {"Content-Type": "application/json"})[0] == 401
    used = _pts("token", "list", "--data-dir", str(data_dir), env=env).stdout.splitlines()
    ci = next(line.split() for line in used if line.startswith("ci "))
    assert ci[5] == "ingest"  # last used by
    revoked = _pts("token", "revoke", "ci", "--data-dir", str(data_dir), env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert _post(base, token, {**EVENT, "source": "/ci/build", "id": "2"})[0] == 401
    # The CLI's exits left the shared embedded server running.
    assert _post(base, ADMIN, {**EVENT, "id": "3"})[0] == 202


def test_the_admin_page_is_served_with_its_headers(pts_up):
    base, _, _ = pts_up
    status, headers, body = _request(base, "/function/admin")
    assert status == 200 and b"/function/admin/app.js" in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    for path in ("/function/admin/../ingest", "/function/admin/%2e%2e/%2e%2e/etc/passwd",
                 "/function/admin//etc/passwd", "/function/admin/..%2f..%2fpyproject.toml"):
        status, _, body = _request(base, path)
        assert status in (400, 404) and b"root:" not in body and b"[project]" not in body, path


def test_server_limits(pts_up):
    base, _, _ = pts_up
    host, port = base[len("http://"):].split(":")
    assert _request(base, "/function/ingest", "POST", b"{}", {
        "Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}",
        "X-Big": "v" * 9000})[0] in (400, 431)
    many = {f"X-H{i}": "v" for i in range(120)}
    assert _request(base, "/function/ingest", "POST", b"{}", {
        "Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}", **many})[0] in (
        400, 431)
    # A chunked body (no Content-Length) over the limit is refused, not read to the end.
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    chunks = (json.dumps({**EVENT, "pad": "x" * 8000}).encode()[i:i + 1000]
              for i in range(0, 9000, 1000))
    conn.request("POST", "/function/ingest", body=chunks, encode_chunked=True, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}",
        "Transfer-Encoding": "chunked"})
    assert conn.getresponse().status == 413
    conn.close()
