"""py-spy on a loaded server: record its workers for a few seconds, then sum the samples by
function (the share of samples in which it is on the stack)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from pathlib import Path


class Recording(threading.Thread):
    def __init__(self, name: str, server, delay: float, logs: Path, seconds: float = 4):
        super().__init__(daemon=True)
        self.name_, self.server, self.delay, self.seconds = name, server, delay, seconds
        self.out = logs / f"profile-{name}.txt"
        self.summary = f"profile {name}: not recorded"

    def run(self) -> None:
        time.sleep(self.delay)
        cmd = ["py-spy", "record", "--pid", str(self.server.proc.pid), "--subprocesses",
               "--duration", str(int(self.seconds)), "--rate", "50", "--format", "raw",
               "--nonblocking", "--output", str(self.out)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not self.out.exists():
            self.summary = f"profile {self.name_}: py-spy failed: {done.stderr[-300:]}"
            return
        self.summary = summarize(self.name_, self.out)


def summarize(name: str, path: Path, top: int = 25) -> str:
    """Inclusive share of samples per function, skipping idle threads' waits."""
    total, counts = 0, Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if any(f.startswith(("wait (threading", "select (selectors", "_worker (concurrent",
                             "accept (socket", "sleep ")) for f in frames[-3:]):
            continue
        total += int(n)
        for f in set(frames):
            counts[f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0] + ")"
                   if " (" in f else f] += int(n)
    lines = [f"profile {name}: {total} busy samples; inclusive share by function:"]
    boring = ("process ", "threading.py", "gunicorn/", "flask/", "werkzeug/", "runpy",
              "concurrent/futures", "functions_framework/", "pts/cli/")
    for f, n in [(f, n) for f, n in counts.most_common()
                 if not any(b in f for b in boring)][:top]:
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {f}")
    return "\n".join(lines)


def record_later(name: str, server, delay: float, logs: Path) -> Recording:
    rec = Recording(name, server, delay, logs)
    rec.start()
    return rec
