"""Untrusted values in log lines: one helper, so that no value a client sent can forge a log
line (CR, LF), hide text (bidi overrides) or drive a terminal (escape sequences)."""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls, DEL, line and paragraph separators, bidi marks, embeddings, overrides
# and isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
MAX_LENGTH = 300


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value: Any, limit: int = MAX_LENGTH) -> str:
    """value as one printable line: unsafe characters written as \\xNN or \\uNNNN, cut to
    about limit characters (the cut marked with `...`)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return _UNSAFE.sub(_escaped, text)
