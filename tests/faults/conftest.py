"""Fixtures of the fault tests."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.up import migrated_copy


@pytest.fixture
def data():
    """A data directory of this test's own, a copy of the run's migrated one."""
    # Outside pytest's numbered temporary folders: a pytest session started meanwhile (on a
    # shared machine) may delete old ones under a running `pts up`.
    root = Path(tempfile.mkdtemp(prefix="pts-faults-"))
    yield migrated_copy(root / "data")
    shutil.rmtree(root, ignore_errors=True)
