"""Logging for every PTS process: text or JSON lines (PTS_LOG_FORMAT), values escaped.

Anything a client sent (sources, ids, paths, types, error texts) can hold line breaks,
terminal escapes or bidi overrides meant to forge or hide log lines. `escape` makes such a
value one printable line; the text formatter applies the same rule to the whole message, so
nothing logged can start a new line. JSON lines are escaped by JSON itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from typing import Any

# C0 and C1 controls, DEL, line and paragraph separators, bidi marks, embeddings, overrides
# and isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
MAX_LENGTH = 300  # characters of one untrusted value in a log line


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value: Any, limit: int = MAX_LENGTH) -> str:
    """value as one printable line: unsafe characters written as \\xNN or \\uNNNN, cut to
    limit characters (the cut marked with `...`)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return _UNSAFE.sub(_escaped, text)


class TextFormatter(logging.Formatter):
    """`time level logger: message`, the message on one line whatever it holds."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        # logging's own text (local time, then `,mmm`), its second formatted once per second:
        # a busy process writes a line per request.
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime(self.default_time_format,
                                                           self.converter(record.created)))
        return f"{cached[1]},{int(record.msecs):03d}"  # logging's default_msec_format

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = _UNSAFE.sub(_escaped, record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's `pts` fields
    (a request's function, status, duration_ms, events...)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        out.update(getattr(record, "pts", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def log_format() -> str:
    """text or json, from PTS_LOG_FORMAT (anything else reads as text). Read from the
    environment, not the settings: logging starts before them, and an invalid setting must
    itself be logged in this format."""
    return "json" if os.environ.get("PTS_LOG_FORMAT", "").strip().lower() == "json" else "text"


def configure(level: str | int = "INFO", fmt: str | None = None) -> None:
    """Send every record to standard error in the chosen format. Like logging.basicConfig,
    it leaves a root logger that someone else equipped alone (a test runner, a host);
    calling it again replaces only the handler it installed."""
    root = logging.getLogger()
    root.setLevel(level.upper() if isinstance(level, str) else level)
    ours = [h for h in root.handlers if getattr(h, "pts_handler", False)]
    if len(ours) != len(root.handlers):
        return
    for old in ours:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.pts_handler = True  # type: ignore[attr-defined]  # marks ours, for removal
    handler.setFormatter(JsonFormatter() if (fmt or log_format()) == "json" else TextFormatter())
    root.addHandler(handler)


def gunicorn_logconfig(level: str = "INFO") -> dict | None:
    """With JSON logs, gunicorn's own lines (start, workers, errors) go through the same JSON
    handler; None keeps gunicorn's text lines."""
    if log_format() != "json":
        return None
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pts.logs.JsonFormatter"}},
        "handlers": {"pts": {"class": "logging.StreamHandler", "formatter": "json",
                             "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["pts"]},
        # The access log stays off: each function writes its own line per request.
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
                    "gunicorn.access": {"level": "CRITICAL", "handlers": [],
                                        "propagate": False}},
    }
