"""Fixtures of the fault tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.env import ROOT


def _own_dir() -> Path:
    # Outside pytest's numbered temporary folders: a pytest session started meanwhile (on a
    # shared machine) may delete old ones under a running `pts up`.
    return Path(tempfile.mkdtemp(prefix="pts-faults-"))


@pytest.fixture(scope="session")
def initialized_data():
    """One data directory made by `pts migrate` (server initialised, roles, schema), stopped:
    copying it is much faster than initdb and the migrations for every test."""
    root = _own_dir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PTS_MIGRATE_DATABASE_URL")}
    done = subprocess.run([sys.executable, "-m", "pts.cli", "migrate", "--data-dir",
                           str(root / "data")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def data(initialized_data):
    """A data directory of this test's own, a copy of initialized_data."""
    root = _own_dir()
    subprocess.run(["cp", "-a", str(initialized_data), str(root / "data")], check=True)
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)
