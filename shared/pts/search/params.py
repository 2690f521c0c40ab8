"""Query parameters: declared once (used for parsing and for the OpenAPI document), parsed
strictly. Unknown, repeated or malformed parameters answer 400 naming each of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pts.domain.timefmt import parse_rfc3339
from pts.http.problem import Problem

MAX_TEXT = 1024
DATA_PREFIX = "data."
_INT = re.compile(r"^[0-9]{1,19}$")
_BOOLS = {"true": True, "false": False}


@dataclass(frozen=True)
class Param:
    """One query parameter: name, kind (text, int, time, bool, enum), and what it means."""

    name: str
    description: str
    kind: str = "text"
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    values: tuple[str, ...] = ()
    required: bool = False

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the parameter's value, for the OpenAPI document."""
        if self.kind == "int":
            out: dict[str, Any] = {"type": "integer", "minimum": self.minimum,
                                   "maximum": self.maximum}
        elif self.kind == "time":
            out = {"type": "string", "format": "date-time"}
        elif self.kind == "bool":
            out = {"type": "boolean"}
        elif self.kind == "enum":
            out = {"type": "string", "enum": list(self.values)}
        else:
            out = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                   "pattern": "^[^\\u0000]*$"}
        if self.default is not None:
            out["default"] = self.default
        return out

    def parse(self, raw: str) -> Any:
        """The value, or ValueError with a message for the operator."""
        if self.kind == "int":
            if not _INT.match(raw):
                raise ValueError("expected an integer")
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValueError(f"expected an integer from {self.minimum} to {self.maximum}")
            return value
        if self.kind == "time":
            return parse_time(raw)
        if self.kind == "bool":
            if raw not in _BOOLS:
                raise ValueError("expected true or false")
            return _BOOLS[raw]
        if self.kind == "enum" and raw not in self.values:
            raise ValueError(f"expected one of {', '.join(self.values)}")
        return check_text(raw)


def parse_time(raw: str) -> datetime:
    """An RFC 3339 date-time with its offset; ValueError otherwise."""
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise ValueError("expected an RFC 3339 date-time, e.g. 2026-11-27T09:00:00Z") from None


def check_text(raw: str) -> str:
    """A non-empty string PostgreSQL can hold, of bounded length."""
    if not raw:
        raise ValueError("must not be empty")
    if len(raw) > MAX_TEXT:
        raise ValueError(f"longer than {MAX_TEXT} characters")
    if "\x00" in raw:
        raise ValueError("contains a NUL character")
    return raw


def parse_query(args, params: list[Param], *, data_filters: bool = False) -> dict[str, Any]:
    """Every declared parameter (absent: its default), plus `data` ({path: value}) when
    data_filters; Problem 400 listing every unknown, repeated or malformed parameter."""
    known = {p.name: p for p in params}
    out: dict[str, Any] = {p.name: p.default for p in params}
    data: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    for name in args:
        values = args.getlist(name)
        if len(values) > 1:
            errors.append({"parameter": name, "message": "given more than once"})
            continue
        try:
            if name in known:
                out[name] = known[name].parse(values[0])
            elif data_filters and name.startswith(DATA_PREFIX):
                data[data_path(name)] = check_text(values[0]) if values[0] else ""
            else:
                errors.append({"parameter": name, "message": "unknown parameter"})
        except ValueError as exc:
            errors.append({"parameter": name, "message": str(exc)})
    errors += [{"parameter": p.name, "message": "required"} for p in params
               if p.required and p.name not in args]
    if errors:
        raise bad_request(errors)
    if data_filters:
        out["data"] = data
    return out


def data_path(name: str) -> str:
    """The dotted path of a `data.<path>` parameter; ValueError when a segment is empty."""
    path = name[len(DATA_PREFIX):]
    check_text(path)
    if any(not segment for segment in path.split(".")):
        raise ValueError("expected data.<key>[.<key>...] with no empty key")
    return path


def check_range(values: dict[str, Any], low: str, high: str) -> None:
    """Problem 400 when both bounds are given and low is after high."""
    if values.get(low) and values.get(high) and values[low] > values[high]:
        raise bad_request([{"parameter": low, "message": f"{low} is after {high}"}])


def bad_request(errors: list[dict[str, str]]) -> Problem:
    """The 400 answer naming each bad parameter."""
    names = ", ".join(e["parameter"] for e in errors)
    return Problem(400, f"bad query parameter: {names}", errors=errors)
