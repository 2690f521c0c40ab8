"""Where a loaded `pts up` spends its CPU: per role of its threads, and PostgreSQL's.

Python threads are told apart by name (py-spy dump names each native thread): the
dispatcher (`pts-dispatcher`: claims, listens), the in-process batches (`pts-delivery*`:
the handlers' apply), the relay and pruner, and the rest (HTTP request threads: ingest,
group commit included). Their CPU is read from /proc (utime + stime) before and after.
PostgreSQL's CPU is the sum over the server's processes; it is split by what its busy
backends run, sampled from pg_stat_activity (a backend not waiting on anything is on CPU).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg

TICK = os.sysconf("SC_CLK_TCK")
# What a PostgreSQL statement works for, by its text (first match wins).
STATEMENTS = (
    ("ingest", re.compile(r"INSERT INTO platform_events|INSERT INTO broker_events|api_tokens",
                          re.I)),
    ("COMMIT (ingest or handlers)", re.compile(r"^\s*COMMIT", re.I)),
    ("handlers: deployments", re.compile(
        r"\b(deployments|deployments_handled_events|deployment_steps|current_deployments)\b")),
    ("handlers: images", re.compile(r"\b(images|images_handled_events|image_tags|image_runs)\b")),
    ("handlers: services", re.compile(
        r"\b(services|services_handled_events|service_environments|service_transitions)\b")),
    ("handlers: reading the log, key locks", re.compile(r"platform_events|pg_advisory", re.I)),
    ("broker", re.compile(r"broker_deliveries|broker_events|NOTIFY|LISTEN", re.I)),
)
BUSY = """
SELECT query, wait_event_type, wait_event FROM pg_stat_activity
WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


def _ticks(path: str) -> int:
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (after pid, comm, state...)


def _threads(pids: list[int]) -> dict[int, int]:
    out = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            out[int(tid)] = _ticks(f"/proc/{pid}/task/{tid}/stat")
    return out


def _postgres(postmaster: int) -> int:
    total = _ticks(f"/proc/{postmaster}/stat")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                total += _ticks(f"/proc/{entry}/stat")
    return total


def _names(pid: int) -> dict[int, str]:
    out = subprocess.run(["py-spy", "dump", "--pid", str(pid), "--nonblocking"],
                         capture_output=True, text=True).stdout
    return {int(t): n for t, n in re.findall(r'^Thread (\d+) \([^)]*\): "([^"]*)"', out, re.M)}


def role(name: str) -> str:
    if name.startswith("pts-delivery"):
        return "handlers (in-process batches)"
    if name == "pts-dispatcher":
        return "dispatcher (claims)"
    if name in ("pts-relay", "pts-prune"):
        return "relay, pruner"
    return "ingest and HTTP (request threads)"


class CpuSplit(threading.Thread):
    """start() when the load starts, finish() when it ends; report() after."""

    def __init__(self, server, conn: psycopg.Connection):
        super().__init__(daemon=True)
        self.server, self.conn = server, conn
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        self.postmaster = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        self._done = threading.Event()
        self.samples: Counter[tuple[str, str]] = Counter()
        self.waited: Counter[str] = Counter()  # wait_event_type:wait_event of those waiting
        self.names: dict[int, str] = {}

    def run(self) -> None:
        self.pids = self.server.workers()
        self.before, self.pg_before = _threads(self.pids), _postgres(self.postmaster)
        self.wrk_before, self.t0 = self._wrk(), time.monotonic()
        while not self._done.wait(0.02):
            for query, wait, event in self.conn.execute(BUSY).fetchall():
                kind = next((k for k, rx in STATEMENTS if rx.search(query or "")), "other")
                self.samples[(kind, "cpu" if wait is None else "wait")] += 1
                if wait is not None:
                    self.waited[f"{wait}:{event}"] += 1
        self.after, self.pg_after = _threads(self.pids), _postgres(self.postmaster)
        for pid in self.pids:  # at the end: pools start their threads as they need them
            self.names.update(_names(pid))
        self.wrk_after, self.t1 = self._wrk(), time.monotonic()

    def _wrk(self) -> int:
        """CPU of the bench's finished children (wrk, once it returned), in ticks."""
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return round((usage.ru_utime + usage.ru_stime) * TICK)

    def finish(self) -> None:
        self._done.set()
        self.join()

    def report(self, events: int) -> str:
        """CPU seconds per 1,000 events by role, and the shares of the machine."""
        per: Counter[str] = Counter()
        for tid, ticks in self.after.items():
            per[role(self.names.get(tid, ""))] += ticks - self.before.get(tid, 0)
        pg = self.pg_after - self.pg_before
        on_cpu = {k: n for (k, w), n in self.samples.items() if w == "cpu"}
        total_cpu = sum(on_cpu.values()) or 1
        for kind, n in on_cpu.items():
            per[f"PostgreSQL: {kind}"] += pg * n / total_cpu
        if not on_cpu:
            per["PostgreSQL"] += pg
        per["wrk (load generator)"] += self.wrk_after - self.wrk_before
        wall = self.t1 - self.t0
        spent = sum(per.values()) / TICK
        lines = [f"CPU split over {wall:.1f} s, {events:,} events: {spent:.1f} CPU-s "
                 f"({spent / wall:.2f} cores busy of {os.cpu_count()}); CPU-ms per event, "
                 "share:"]
        for name, ticks in per.most_common():
            secs = ticks / TICK
            lines.append(f"  {1000 * secs / max(events, 1):6.3f} ms  "
                         f"{100 * secs / max(spent, 1e-9):5.1f}%  {name}")
        waits = {k: n for (k, w), n in self.samples.items() if w == "wait"}
        if waits:
            lines.append("  PostgreSQL backends waiting (samples): " + ", ".join(
                f"{k} {n}" for k, n in sorted(waits.items(), key=lambda x: -x[1])))
            lines.append("  on what (samples): " + ", ".join(
                f"{k} {n}" for k, n in self.waited.most_common(8)))
        return "\n".join(lines)


class Done:
    """A finished report, listed with the profiles (join() and summary, as theirs)."""

    def __init__(self, summary: str):
        self.summary = summary

    def join(self) -> None:
        pass
