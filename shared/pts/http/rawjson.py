"""Answers as JSON text, with stored JSON passed through as PostgreSQL wrote it.

An event page used to decode every event's data (numbers kept exact: Decimals) and encode it
again; that was most of the CPU of a page. Events are now written as JSON by PostgreSQL
(`row_to_json`: the stored jsonb's rendering, every number exactly as stored) and put into
the answer unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from pts.domain.jsonnum import dumps as dumps_exact
from pts.domain.timefmt import json_default


class RawJSON:
    """A JSON text written into an answer as it is (it must be valid JSON: it comes from
    PostgreSQL's json or jsonb output)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


# Placeholders: a string holding U+0000, which no text from PostgreSQL can hold (text and
# jsonb refuse it), so nothing else in an answer can look like one.
_RAW = re.compile(r'"\\u0000r(\d+)\\u0000"')


def dumps(body: Any) -> str:
    """The JSON text of an answer: Decimals exactly, datetimes in RFC 3339, RawJSON as is."""
    texts: list[str] = []

    def default(value: Any) -> Any:
        if isinstance(value, RawJSON):
            texts.append(value.text)
            return f"\x00r{len(texts) - 1}\x00"
        return json_default(value)

    text = dumps_exact(body, default=default)
    return _RAW.sub(lambda m: texts[int(m.group(1))], text) if texts else text
