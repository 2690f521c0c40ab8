"""Response models of the search API (and of the admin API's dead letters).

They describe the answers in the OpenAPI document (`model_json_schema`); handlers build the
answers as plain dicts of that shape, since validating every row of every page would cost
more than the query. Where an answer is a table's row, its fields come from the table's
SQLModel declaration (`columns_of`): the table is declared once.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlmodel import SQLModel


class Answer(BaseModel):
    """An object of an answer: every field is required and no other is allowed."""

    model_config = ConfigDict(extra="forbid")


class Inline(Answer):
    """An object documented in place (inside its parent's schema), not as a component."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"x-inline": True})


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
    return annotation


def columns_of(table: type[SQLModel], names: list[str] | tuple[str, ...], *,
               nullable: bool = False, descriptions: dict[str, str] | None = None,
               ) -> dict[str, Any]:
    """Field definitions (for `answer`) of the named columns of a table model: the Python
    type of its declaration, null allowed when the column is nullable (or when nullable,
    e.g. the columns of an outer join)."""
    columns = table.__table__.c  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for name in names:
        base = _without_none(table.model_fields[name].annotation)
        optional = nullable or columns[name].nullable
        about = (descriptions or {}).get(name)
        out[name] = (base | None if optional else base, Field(description=about))
    return out


def answer(name: str, doc: str, fields: dict[str, Any], base: type[Answer] = Answer,
           ) -> type[Answer]:
    """An answer model named name (its name in the OpenAPI document) with these fields
    ({name: (type, Field(...))}), every one required."""
    model: type[Answer] = create_model(name, __base__=base, __doc__=doc, **fields)
    return model


def listing(name: str, item: type[BaseModel]) -> type[Answer]:
    """The `{"items": [...], "next_cursor": ...}` page of item."""
    return answer(name, f"A page of {item.__name__} items.", {
        "items": (list[item], Field()),  # type: ignore[valid-type]
        "next_cursor": (str | None, Field(description="Pass as `cursor` for the next page; "
                                          "null on the last page.")),
    })
