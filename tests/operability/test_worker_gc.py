"""A worker moves what its app loaded out of the garbage collector's full passes
(pts.runtime.worker: gc.freeze after the app is built), so that a full collection does not
walk every module, route and model of the process while holding the GIL."""

from __future__ import annotations

import gc

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
