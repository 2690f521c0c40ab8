"""Running `pts up` as a real subprocess on a free port, as a user would."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import TEST_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Up:
    """`pts up` in a subprocess; `base` is its URL. Stop with stop() or kill(). It starts with
    PTS_ADMIN_TOKEN=TEST_TOKEN, and request() sends that token unless told otherwise."""

    def __init__(self, data_dir: Path, *args: str, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"pts-up-{self.port}.log"
        environ = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "PTS_MIGRATE_DATABASE_URL")}
        environ.update({"PTS_ADMIN_TOKEN": TEST_TOKEN, **(env or {})})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pts.cli", "up", "--port", str(self.port),
             "--data-dir", str(data_dir), *args],
            cwd=ROOT, env=environ, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pts up exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"pts up not ready: {self.log.read_text()}")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        # http.client, not urllib: urllib adds a form Content-Type to bodies that have none.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Authorization": f"Bearer {TEST_TOKEN}", **(headers or {})}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def stop(self) -> int:
        """Ctrl-C, as a user at the terminal would."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
