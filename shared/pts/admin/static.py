"""Serving the admin page's files with no way out of static/.

Requests are matched against a list of the files made when the module loads: a name that
is not on it (`..`, `%2e%2e`, an absolute path, a symlink, a folder) is simply not found.
The index is filled with the mount point and the search API's URL, HTML-escaped.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import flask

STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
         ".ico": "image/x-icon"}


def _files(root: Path) -> dict[str, Path]:
    """URL path (/name) -> file, for regular files of known types; symlinks are skipped."""
    found: dict[str, Path] = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file() or path.suffix not in TYPES:
                continue
            found["/" + path.relative_to(root).as_posix()] = path
    return found


FILES = _files(STATIC_DIR)


def index(root: str, search_url: str) -> flask.Response:
    """index.html with its placeholders filled."""
    text = (STATIC_DIR / "index.html").read_text("utf-8")
    text = text.replace("__ROOT__", html.escape(root, quote=True))
    text = text.replace("__SEARCH__", html.escape(search_url, quote=True))
    return flask.Response(text, mimetype="text/html", content_type=TYPES[".html"])


def serve(path: str, files: dict[str, Path] | None = None) -> flask.Response | None:
    """The static file at URL path, or None when there is no such file."""
    file = (FILES if files is None else files).get(path)
    if file is None or path == "/index.html":
        return None
    resp = flask.Response(file.read_bytes(), content_type=TYPES[file.suffix])
    resp.headers["Cache-Control"] = "no-cache"
    return resp
