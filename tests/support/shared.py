"""What every process of one test run shares (pytest-xdist runs one session per worker): a
run folder, made by the first pytest process (the controller, or a plain run), and things
made once in it by whichever worker asks first (the test server, a migrated data directory).

The controller removes the folder, and stops the servers in it, when the run ends."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

RUN_DIR = "PTS_TEST_RUN_DIR"


def start_run() -> Path | None:
    """Make the run folder if no process of this run has (call in pytest_configure); the
    folder when this process made it (it then calls end_run), else None."""
    if os.environ.get(RUN_DIR):
        return None
    # Not pytest's tmp_path: embedded servers run as their own user, and pytest's base
    # folder is private to root. Workers inherit the environment.
    path = Path(tempfile.mkdtemp(prefix="pts-run-"))
    os.environ[RUN_DIR] = str(path)
    return path


def run_dir() -> Path:
    return Path(os.environ[RUN_DIR])


@contextmanager
def _locked(name: str):
    with (run_dir() / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def once(name: str, make: Callable[[Path], str | None]) -> tuple[Path, str]:
    """run_dir()/name, made by make(path) by the first process that asks; every process
    gets (path, what make returned)."""
    path, done = run_dir() / name, run_dir() / f"{name}.done"
    with _locked(name):
        if not done.exists():
            path.mkdir()
            done.write_text(make(path) or "")
    return path, done.read_text()


def end_run(path: Path, stop: Callable[[Path], None]) -> None:
    """Call stop(folder) on every folder made by `once`, then remove the run folder."""
    for done in path.glob("*.done"):
        stop(path / done.stem)
    shutil.rmtree(path, ignore_errors=True)
