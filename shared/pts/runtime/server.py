"""Serving the combined application with gunicorn (threads, optionally several workers)."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """gunicorn, configured from code; the app is built in each worker after fork so that
    every worker has its own pool."""

    def __init__(self, app_factory: Callable, options: dict):
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self.app_factory()
