"""Query and path parameters: one pydantic model per route, which both validates a request
and describes the parameters in the OpenAPI document. Parsing is strict: unknown, repeated
or malformed parameters answer 400 naming each of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, TypeVar, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from werkzeug.datastructures import MultiDict

from pts.domain.timefmt import parse_rfc3339
from pts.http.problem import Problem

MAX_TEXT = 1024
DATA_PREFIX = "data."
_INT = re.compile(r"^[0-9]{1,19}$")
_BOOLS = {"true": True, "false": False}


def int_text(raw: object) -> object:
    """An integer parameter's value: digits only (no sign, point or spaces)."""
    if isinstance(raw, str) and not _INT.match(raw):
        raise ValueError("expected an integer")
    return int(raw) if isinstance(raw, str) else raw


def _time(raw: object) -> object:
    return parse_time(raw) if isinstance(raw, str) else raw


def _bool(raw: object) -> object:
    if isinstance(raw, str):
        if raw not in _BOOLS:
            raise ValueError("expected true or false")
        return _BOOLS[raw]
    return raw


# The value types of parameters: JSON Schema constraints that pydantic both checks and
# documents, after a strict conversion from the query string's text.
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=r"^[^\u0000]*$")]
Time = Annotated[datetime, BeforeValidator(_time)]
Bool = Annotated[bool, BeforeValidator(_bool)]
# Bounds before the conversion, else pydantic cannot put them in the JSON Schema.
Limit = Annotated[int, Field(ge=1, le=1000, description="Most items per page."),
                  BeforeValidator(int_text)]
Cursor = Annotated[Text | None, Field(description="The `next_cursor` of the previous page, "
                                      "with the same filters.")]


class Query(BaseModel):
    """The parameters of one route. Subclasses declare fields (their descriptions are the
    documentation); `PATH` names those that are path segments, `RANGES` (low, high) pairs
    that must not be inverted, `DATA_FILTERS` whether `data.<path>=<value>` is accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    PATH: ClassVar[tuple[str, ...]] = ()
    RANGES: ClassVar[tuple[tuple[str, str], ...]] = ()
    DATA_FILTERS: ClassVar[bool] = False

    def filters(self) -> dict[str, Any]:
        """What a cursor is bound to: every given parameter but limit and cursor."""
        return {k: v for k, v in self.__dict__.items()
                if k not in ("limit", "cursor") and v is not None and v != {}}


class ListQuery(Query):
    """A paginated list: `limit` and `cursor` beside the filters."""

    limit: Limit = 50
    cursor: Cursor = None


Q = TypeVar("Q", bound=Query)


def parse_query(model: type[Q], args: MultiDict[str, str],
                path: Mapping[str, str] | None = None) -> Q:
    """The model filled from the query string and path values; Problem 400 listing every
    unknown, repeated or malformed parameter (and inverted ranges)."""
    values: dict[str, Any] = dict(path) if path else {}
    data: dict[str, str] | None = {} if model.DATA_FILTERS else None
    errors: list[dict[str, str]] = []
    in_path = model.PATH
    for name in args:
        given = args.getlist(name)
        if len(given) > 1:
            errors.append({"parameter": name, "message": "given more than once"})
        elif name in in_path:
            errors.append({"parameter": name, "message": "unknown parameter"})
        elif data is not None and name.startswith(DATA_PREFIX):
            try:
                data[data_path(name)] = check_text(given[0]) if given[0] else ""
            except ValueError as exc:
                errors.append({"parameter": name, "message": str(exc)})
        else:
            values[name] = given[0]
    if data is not None:
        values["data"] = data
    try:
        query = model.model_validate(values)
    except ValidationError as exc:
        errors += [_error(model, e)
                   for e in exc.errors(include_url=False, include_input=False)]
        raise bad_request(errors) from None
    if errors:
        raise bad_request(errors)
    for low, high in model.RANGES:
        if low in values and high in values:
            check_range(query, low, high)
    return query


_MESSAGES = {"extra_forbidden": "unknown parameter", "missing": "required",
             "string_too_short": "must not be empty",
             "string_too_long": f"longer than {MAX_TEXT} characters",
             "string_pattern_mismatch": "contains a NUL character"}


def _error(model: type[Query], e: Any) -> dict[str, str]:
    """A pydantic error as `{parameter, message}`, worded as the API always has."""
    name = str(e["loc"][0]) if e["loc"] else ""
    message = _MESSAGES.get(e["type"]) or str(e["msg"]).removeprefix("Value error, ")
    field = next((f for n, f in model.model_fields.items() if name in (n, f.alias)), None)
    if e["type"] in ("greater_than_equal", "less_than_equal") and field is not None:
        low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        message = f"expected an integer from {low} to {high}"
    elif e["type"] == "literal_error" and field is not None:
        values = [a for arg in get_args(field.annotation) for a in (get_args(arg) or [arg])
                  if isinstance(a, str)]
        message = f"expected one of {', '.join(values)}"
    return {"parameter": name, "message": message}


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


def data_path(name: str) -> str:
    """The dotted path of a `data.<path>` parameter; ValueError when a segment is empty."""
    path = name[len(DATA_PREFIX):]
    check_text(path)
    if any(not segment for segment in path.split(".")):
        raise ValueError("expected data.<key>[.<key>...] with no empty key")
    return path


def check_range(query: BaseModel, low: str, high: str) -> None:
    """Problem 400 when both bounds are given and low is after high."""
    start, end = getattr(query, low), getattr(query, high)
    if start is not None and end is not None and start > end:
        raise bad_request([{"parameter": low, "message": f"{low} is after {high}"}])


def bad_request(errors: list[dict[str, str]]) -> Problem:
    """The 400 answer naming each bad parameter."""
    names = ", ".join(e["parameter"] for e in errors)
    return Problem(400, f"bad query parameter: {names}", errors=errors)
