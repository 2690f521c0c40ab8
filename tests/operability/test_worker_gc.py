"""A worker moves what its app loaded out of the garbage collector's full passes
(pts.runtime.worker: gc.freeze after the app is built), so that a full collection does not
walk every module, route and model of the process while holding the GIL."""

from __future__ import annotations

import gc

import pytest

from pts.runtime.worker import BufferingWorker


class _App:
    """gunicorn's application object, as far as load_wsgi uses it."""

    def __init__(self):
        self.loaded = None

    def wsgi(self):
        self.loaded = [{"route": i} for i in range(1000)]  # objects the app keeps
        return lambda environ, start_response: []


def test_the_app_a_worker_loads_is_frozen_out_of_full_collections():
    worker = object.__new__(BufferingWorker)  # no sockets or signals: load_wsgi alone
    worker.app = _App()
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        worker.load_wsgi()
        assert callable(worker.wsgi)
        # The app's objects are among the frozen ones: no collection walks them any more.
        assert gc.get_freeze_count() >= 1000
        assert not any(o is worker.app.loaded for o in gc.get_objects())
        assert not any(o is worker.app.loaded[0] for o in gc.get_objects())
    finally:
        gc.unfreeze()


def test_a_worker_collects_its_young_objects_less_often(monkeypatch):
    """PTS_GC_THRESHOLD sets the youngest generation's threshold of each worker (a handler
    batch's objects live until it ends); the older generations keep Python's."""
    from pts.config import reset_settings

    worker = object.__new__(BufferingWorker)
    worker.app = _App()
    before = gc.get_threshold()
    monkeypatch.setenv("PTS_GC_THRESHOLD", "4321")
    reset_settings()
    try:
        worker.load_wsgi()
        assert gc.get_threshold() == (4321, *before[1:])
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
        monkeypatch.delenv("PTS_GC_THRESHOLD")
        reset_settings()


def test_the_default_threshold_and_its_lower_bound():
    from pts.config import Settings

    assert Settings().gc_threshold == 10000
    with pytest.raises(ValueError):
        Settings(gc_threshold=0)  # would switch automatic collection off
