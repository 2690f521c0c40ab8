"""`pts up`'s broker in a process of its own (PTS_DISPATCH_PROCESS, the default): the
projection handlers' batches run there, not in the workers; it is started again when it
dies, stops with `pts up`, and stops by itself when `pts up` is gone. Off, the workers
run it as before."""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import psutil
import psycopg
import pytest

from pts.broker import dispatcher, wakeup
from pts.db.embedded import ensure_embedded
from pts.db.urls import to_conninfo
from tests.eventing.helpers import deployment
from tests.support.env import TEST_TOKEN
from tests.support.up import environment, migrated_copy, stop_postgres
from tests.support.up import up as start_up
from tests.support.wait import wait_for

STARTED = re.compile(r"the broker's dispatcher runs in process (\d+)")


@pytest.fixture
def data():
    # Not pytest's tmp_path: the embedded server runs as its own user.
    folder = Path(tempfile.mkdtemp(prefix="pts-dispatch-"))
    served = []
    yield folder / "data", served
    for u in served:
        u.close()
        stop_postgres(u.data_dir)
    shutil.rmtree(folder, ignore_errors=True)


def _up(data, **env: str):
    folder, served = data
    if not folder.exists():
        migrated_copy(folder)
    served.append(start_up(folder, "--workers", "2", env=environment(
        {"PTS_ADMIN_TOKEN": TEST_TOKEN, **env}, clear_prefix="PTS_")))
    return served[-1]


def _handled(data_dir: Path) -> int:
    """Events the deployments projection applied."""
    with psycopg.connect(to_conninfo(ensure_embedded(data_dir, migrate=False))) as conn:
        return conn.execute("SELECT count(*) FROM deployments_handled_events").fetchone()[0]


def _dispatchers(u) -> list[int]:
    return [int(p) for p in STARTED.findall(u.output())]


def test_the_handlers_run_in_a_process_of_their_own_started_again_when_it_dies(data):
    u = _up(data)
    (pid,) = wait_for(lambda: _dispatchers(u), timeout=10)
    master = psutil.Process(u.proc.pid)
    assert pid in [c.pid for c in master.children()]
    assert len(master.children()) == 3  # two workers and the broker
    # It serves nothing: gunicorn's listening socket was closed in it.
    assert not [c for c in psutil.Process(pid).net_connections("tcp") if c.status == "LISTEN"]
    u.ingest(deployment(1))
    wait_for(lambda: _handled(u.data_dir) == 1, timeout=15)

    os.kill(pid, signal.SIGKILL)
    (_, again) = wait_for(lambda: _dispatchers(u)[:2] if len(_dispatchers(u)) == 2 else None,
                          timeout=10)
    assert again != pid and psutil.pid_exists(again)
    assert "stopped; starting it again" in u.output()
    u.ingest(deployment(2))  # applied by the new one: the workers run no dispatcher
    wait_for(lambda: _handled(u.data_dir) == 2, timeout=15)
    children = master.children()
    assert u.stop() == 0
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert "Traceback" not in u.output()


def test_the_broker_process_stops_when_pts_up_is_gone(data):
    u = _up(data)
    (pid,) = wait_for(lambda: _dispatchers(u), timeout=10)
    broker = psutil.Process(pid)
    os.kill(u.proc.pid, signal.SIGKILL)  # the master alone, as an OOM killer might

    def gone() -> bool:
        try:
            return broker.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    wait_for(gone, timeout=10)
    u.kill()  # the workers, which gunicorn's own check of their parent also stops


def test_off_the_workers_apply_the_batches_as_before(data):
    u = _up(data, PTS_DISPATCH_PROCESS="false")
    u.ingest(deployment(1), deployment(2))
    wait_for(lambda: _handled(u.data_dir) == 2, timeout=15)
    assert len(psutil.Process(u.proc.pid).children()) == 2  # the workers only
    assert not _dispatchers(u)
    assert u.stop() == 0


def test_ingest_wakes_a_dispatcher_in_another_process():
    """wake_local in a process without a dispatcher rings the shared byte, once."""
    saved = wakeup._map
    try:
        wakeup._map = None
        dispatcher.wake_local()  # nothing shared: nothing to ring, nothing raised
        assert not wakeup.answered()
        wakeup.share()
        assert not wakeup.answered()
        dispatcher.wake_local()
        assert wakeup.answered() and not wakeup.answered()
    finally:
        wakeup._map = saved
