"""`pts up` owns its embedded PostgreSQL: a clean stop stops it, even after an earlier
`kill -9` left it running; a postmaster that dies is started again; one that cannot be
started again stops `pts up` with one clear line and a non-zero status."""

from __future__ import annotations

import os
import signal

import pytest

from tests.faults.helpers import deployment, get, post, postmaster, start, wait_for

pytestmark = pytest.mark.faults


def test_a_clean_stop_after_an_earlier_kill_9_stops_postgres(data):
    up = start(data)
    first = postmaster(data)
    up.kill()
    assert postmaster(data) == first  # left running: nobody else will stop it
    up = start(data)
    assert postmaster(data) == first  # reused, and now owned
    assert up.request("GET", "/readyz")[0] == 200
    assert up.stop() == 0
    wait_for(lambda: postmaster(data) is None, timeout=20)
    assert not (data / "up.pid").exists()


def test_a_second_pts_up_on_the_same_data_refuses_to_start(data):
    up = start(data)
    try:
        with pytest.raises(AssertionError, match="another pts up"):
            start(data)
    finally:
        up.stop()


def test_a_killed_postmaster_is_started_again(data):
    up = start(data)
    try:
        os.kill(postmaster(data), signal.SIGKILL)
        status, took = get(up.port, "/readyz")
        assert status == 503 and took < 1.0
        assert get(up.port, "/healthz")[0] == 200  # liveness: the process serves
        wait_for(lambda: get(up.port, "/readyz")[0] == 200, timeout=30)
        assert post(up.port, deployment(1, "after"))[0] == 202
    finally:
        up.stop()
    log = up.log.read_text()
    assert "starting it again" in log and "running again" in log
    assert "Traceback" not in log


def test_a_postmaster_that_cannot_start_again_stops_pts_up(data):
    up = start(data)
    try:
        with (data / "pgdata" / "postgresql.auto.conf").open("a") as conf:
            conf.write("shared_buffers = 'not a size'\n")
        os.kill(postmaster(data), signal.SIGKILL)
        status = up.proc.wait(timeout=45)
    finally:
        if up.proc.poll() is None:
            up.kill()
    assert status != 0
    lines = [ln for ln in up.log.read_text().splitlines()
             if ln.startswith("pts up: the embedded PostgreSQL")]
    assert len(lines) == 1 and "could not be started again after 5 attempts" in lines[0]
