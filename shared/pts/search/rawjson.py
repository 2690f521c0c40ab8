"""Answers as JSON text, with stored JSON passed through as PostgreSQL wrote it.

An event page used to decode every event's data (numbers kept exact: Decimals) and encode it
again; that was most of the CPU of a page. The data is now selected as text (`data::text`:
PostgreSQL's rendering of the stored jsonb, every number exactly as stored) and spliced into
the answer unchanged.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import flask

from pts.domain.jsonnum import dumps as dumps_exact
from pts.domain.timefmt import json_default


class RawJSON:
    """A JSON text written into an answer as it is (it must be valid JSON: it comes from
    PostgreSQL's json or jsonb output)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def raw(text: str | None) -> RawJSON | None:
    """RawJSON of a json column read as text (None stays None: SQL NULL)."""
    return None if text is None else RawJSON(text)


def dumps(body: Any) -> str:
    """The JSON text of an answer: Decimals exactly, datetimes in RFC 3339, RawJSON as is."""
    texts: list[str] = []
    mark = secrets.token_hex(6)

    def default(value: Any) -> Any:
        if isinstance(value, RawJSON):
            texts.append(value.text)
            # A placeholder no stored text can hold (U+0000 is refused everywhere).
            return f"\x00{mark}:{len(texts) - 1}\x00"
        return json_default(value)

    text = dumps_exact(body, default=default)
    if not texts:
        return text
    return re.sub(r'"\\u0000' + mark + r':(\d+)\\u0000"', lambda m: texts[int(m.group(1))],
                  text)


def json_response(body: Any, status: int = 200) -> flask.Response:
    """A JSON answer (see dumps)."""
    return flask.Response(dumps(body), status=status, mimetype="application/json")
