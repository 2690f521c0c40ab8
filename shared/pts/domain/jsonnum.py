"""JSON whose numbers are kept exactly as their value was sent.

Python's json reads every number with a fraction or exponent as a binary double: `1e-400`
becomes 0.0, a 4,000-digit decimal loses all but 17 digits, `1e999` becomes infinity. The
log keeps what was sent, and PostgreSQL's jsonb holds numbers as arbitrary-precision numeric,
so here a number stays a float only when writing that float back gives the same value;
otherwise it is a Decimal, written back digit for digit. Ingest refuses (NumberError) what
PostgreSQL cannot hold or a double-precision reader would turn into infinity.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

# Beyond this magnitude a double-precision reader (JavaScript, Python's json) reads infinity.
MAX_MAGNITUDE = Decimal("1.7976931348623157e308")
# PostgreSQL numeric keeps at most this many digits after the decimal point.
MAX_SCALE = 16383


class NumberError(ValueError):
    """A JSON number that cannot be stored exactly."""


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check(text: str, exact: Decimal) -> None:
    if abs(exact) > MAX_MAGNITUDE:
        raise NumberError(f"the number {text[:40]} is beyond ±1.8e308 (IEEE 754 double's "
                          "range); send it as a string")
    exponent = exact.as_tuple().exponent  # 'n', 'N' or 'F' only for NaN and infinities
    if isinstance(exponent, int) and exponent < -MAX_SCALE:
        raise NumberError(f"the number {text[:40]} has more than {MAX_SCALE} digits after "
                          "the decimal point; send it as a string")


def _strict_float(text: str) -> float | Decimal:
    value = float(text)
    if repr(value) == text:  # the common case, decided without Decimal
        return value
    exact = Decimal(text)
    _check(text, exact)
    return value if Decimal(repr(value)) == exact else exact


def _stored_float(text: str) -> float | Decimal:
    value = float(text)
    if repr(value) == text or (math.isfinite(value) and Decimal(repr(value)) == Decimal(text)):
        return value
    return Decimal(text)


def _strict_int(text: str) -> int:
    if len(text) < 300:
        return int(text)
    try:
        exact = Decimal(text)
    except ArithmeticError:
        raise NumberError(f"the number {text[:40]}... is not storable") from None
    _check(text, exact)
    return int(text)


def loads(text: str | bytes) -> Any:
    """Parse a request's JSON. NaN and Infinity are refused (ValueError: they are not JSON);
    a number out of range raises NumberError."""
    return json.loads(text, parse_float=_strict_float, parse_int=_strict_int,
                      parse_constant=_constant)


# One decoder for every stored document: json.loads with a parse_float builds a new
# JSONDecoder per call (a tenth of a handler's decoding time).
_STORED = json.JSONDecoder(parse_float=_stored_float)
_SCAN = _STORED.scan_once  # type: ignore[attr-defined]  # set by __init__, untyped


def loads_stored(text: str | bytes) -> Any:
    """Parse JSON that PostgreSQL wrote (jsonb), keeping every number exactly."""
    if not isinstance(text, str):
        text = bytes(text).decode()  # PostgreSQL sends UTF-8 (psycopg passes bytes or a view)
    # The C scanner straight away (jsonb's text has no whitespace around the value): decode's
    # two Python frames and whitespace matches were a fifth of each document's cost. Any
    # other text (a json column keeps its input's spacing) takes decode, as before.
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return _STORED.decode(text)
    return value if end == len(text) else _STORED.decode(text)


def dumps(obj: Any, *, default: Callable[[Any], Any] | None = None, **kw: Any) -> str:
    """json.dumps that writes a Decimal as its exact digits (a JSON number, not a string)."""
    numbers: list[str] = []
    marks: list[str] = []

    def encode(o: Any) -> Any:
        if isinstance(o, Decimal):
            if not o.is_finite():
                raise ValueError(f"{o} is not a JSON number")
            if not marks:
                marks.append(secrets.token_hex(6))
            numbers.append(str(o))
            # A placeholder string no stored text can hold (U+0000 is refused everywhere).
            return f"\x00{marks[0]}:{len(numbers) - 1}\x00"
        if default is not None:
            return default(o)
        raise TypeError(f"{type(o).__name__} is not JSON serializable")

    text = json.dumps(obj, default=encode, **kw)
    if not numbers:
        return text
    pattern = re.compile(r'"\\u0000' + marks[0] + r':(\d+)\\u0000"')
    return pattern.sub(lambda m: numbers[int(m.group(1))], text)
