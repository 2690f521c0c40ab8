"""Percent-coding of binary-mode header values (CloudEvents HTTP binding 1.0.2, 3.1.3.2):
space, `"`, `%` and everything outside printable ASCII is sent as `%XX` of its UTF-8 bytes."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

# Printable ASCII except space, double quote and percent stays as is.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def encode(text: str) -> str:
    """A header value for text."""
    return quote(text, safe=_SAFE)


def decode(value: str) -> str:
    """The text of a header value; ValueError (a short reason) when the value holds raw
    non-ASCII bytes, a malformed escape, or escapes that are not UTF-8."""
    if not value.isascii():
        # WSGI hands header bytes over as Latin-1: a raw byte above 0x7F would be stored as
        # mojibake. The HTTP binding says to percent-encode them (UTF-8).
        raise ValueError("raw non-ASCII bytes")
    if "%" not in value:
        return value
    if _BAD_PERCENT.search(value):
        raise ValueError("malformed percent-encoding")
    try:
        return unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
