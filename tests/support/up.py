"""The one harness of `pts` commands that serve HTTP (`pts up`, `pts serve`) as real
subprocesses on a free port, and of one-shot `pts` commands, as a user runs them."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from tests.support import shared
from tests.support.env import ROOT, TEST_TOKEN
from tests.support.wait import free_port, wait_for

PTS = [sys.executable, "-m", "pts.cli"]


def environment(extra: dict | None = None,
                clear: Iterable[str] = ("DATABASE_URL", "PTS_MIGRATE_DATABASE_URL"),
                clear_prefix: str | None = None) -> dict:
    """This process's environment without `clear` (and names starting with clear_prefix),
    with `extra` on top."""
    drop = set(clear)
    env = {k: v for k, v in os.environ.items()
           if k not in drop and not (clear_prefix and k.startswith(clear_prefix))}
    env.update(extra or {})
    return env


def pts(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run one `pts` command to its end; its output is captured as text."""
    return subprocess.run([*PTS, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def stop_postgres(data_dir: Path) -> None:
    """Stop an embedded server left running in data_dir (after a SIGKILL nobody else will)."""
    pidfile = data_dir / "pgdata" / "postmaster.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGQUIT)
    except ProcessLookupError:
        return

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(gone, timeout=5, interval=0.05)


def _migrate(folder: Path) -> None:
    done = pts("migrate", "--data-dir", str(folder / "data"),
               env=environment(clear_prefix="PTS_"))
    assert done.returncode == 0, done.stderr
    stop_postgres(folder / "data")  # `pts migrate` stops it at exit; after a kill, this does


def migrated_copy(dest: Path) -> Path:
    """dest: a copy of a data directory `pts migrate` made once per run (server initialised,
    roles, schema; stopped), for a `pts up` that is not about a first start: copying is
    much faster than initdb and the migrations. Ownership is kept (the embedded server runs
    as its own user)."""
    source = shared.once("migrated-data", _migrate)[0] / "data"
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(source), str(dest)], check=True)
    return dest


class Served:
    """A `pts` command serving HTTP on `base`, in its own process group; its output goes to
    `log`. request() sends `token` as a bearer token unless it is None."""

    def __init__(self, args: list[str], env: dict, log: Path, port: int, *,
                 health: str = "/healthz", token: str | None = TEST_TOKEN,
                 timeout: float = 90):
        self.port, self.log, self.token, self.health = port, log, token, health
        self.base = f"http://127.0.0.1:{port}"
        self.data_dir: Path | None = None  # pts up's --data-dir
        with log.open("wb") as out:
            self.proc = subprocess.Popen([*PTS, *args], env=env, cwd=ROOT, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._healthy, timeout=timeout, interval=0.1)

    def _healthy(self) -> bool:
        assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output()}"
        try:
            return self.request("GET", self.health, timeout=1)[0] == 200
        except OSError:  # refused, reset or timed out: not up yet
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
        """(status, headers, body). http.client, not urllib: urllib adds a form
        Content-Type to bodies that have none."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            conn.request(method, path, body=body, headers={**sent, **(headers or {})})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def ingest(self, *events: dict) -> dict:
        """POST plain-JSON events (one, or several as a list) to ingest; its 202 answer."""
        body = json.dumps(list(events) if len(events) > 1 else events[0]).encode()
        status, _, answer = self.request("POST", "/function/ingest", body,
                                         {"Content-Type": "application/json"})
        assert status == 202, answer
        return json.loads(answer)

    def signal(self, sig: int, timeout: float = 60) -> int:
        """Send sig to the process group and wait for the exit code."""
        os.killpg(self.proc.pid, sig)
        return self.proc.wait(timeout=timeout)

    def stop(self) -> int:
        """Ctrl-C, as a user at the terminal would."""
        return self.signal(signal.SIGINT)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)

    def close(self) -> None:
        """Stop it if it still runs (Ctrl-C, then SIGKILL if it does not exit)."""
        if self.proc.poll() is None:
            try:
                self.stop()
            except subprocess.TimeoutExpired:
                self.kill()


def up(data_dir: Path, *args: str, env: dict | None = None, **kw) -> Served:
    """`pts up --data-dir data_dir *args` on a free port. env defaults to this process's
    environment without DATABASE_URL and with PTS_ADMIN_TOKEN=TEST_TOKEN."""
    port = free_port()
    if env is None:
        env = environment({"PTS_ADMIN_TOKEN": TEST_TOKEN})
    served = Served(["up", "--port", str(port), "--data-dir", str(data_dir), *args], env,
                    data_dir.parent / f"pts-up-{port}.log", port, **kw)
    served.data_dir = data_dir
    return served


def serve(env: dict, log_dir: Path, **kw) -> Served:
    """`pts serve` (the function of FUNCTION_TARGET in env) on a free port."""
    port = free_port()
    return Served(["serve", "--host", "127.0.0.1"], {**env, "PORT": str(port)},
                  log_dir / f"pts-serve-{port}.log", port, health="/_/health", **kw)
