"""The WHERE clause of /events: each filter a fixed SQL fragment with bound values (no SQL
is ever built from input), each served by an index of migrations 0001 and 0004."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pts.domain.jsonnum import dumps, loads

# Must match the expression of ix_events_data_fts (migration 0004) for the index to serve.
FTS_DOCUMENT = "jsonb_to_tsvector('simple', data, '[\"string\", \"numeric\"]')"
_MAX_CODE_POINT = 0x10FFFF


def where(f: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions (to be joined with AND) and their parameters for parsed filters."""
    conds: list[str] = []
    params: dict[str, Any] = {}

    def add(cond: str, **values: Any) -> None:
        conds.append(cond)
        params.update(values)

    if f.get("type"):
        if f["type"].endswith("*"):
            low, high = prefix_range(f["type"][:-1])
            if low:
                add('(type COLLATE "C") >= %(type_low)s', type_low=low)
            if high is not None:
                add('(type COLLATE "C") < %(type_high)s', type_high=high)
        else:
            add("type = %(type)s", type=f["type"])
    for name in ("source", "subject", "service", "environment"):
        if f.get(name):
            add(f"{name} = %({name})s", **{name: f[name]})
    for name, column, op in (("since", "occurred_at", ">="), ("until", "occurred_at", "<"),
                             ("received_since", "received_at", ">="),
                             ("received_until", "received_at", "<")):
        if f.get(name):
            add(f"{column} {op} %({name})s", **{name: f[name]})
    if f.get("q"):
        add(f"{FTS_DOCUMENT} @@ websearch_to_tsquery('simple', %(q)s)", q=f["q"])
    for i, (path, value) in enumerate(sorted(f.get("data", {}).items())):
        docs = containment(path, value)
        names = [f"data_{i}_{j}" for j in range(len(docs))]
        add("(" + " OR ".join(f"data @> %({n})s::jsonb" for n in names) + ")",
            **{n: d for n, d in zip(names, docs, strict=True)})
    return conds, params


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """[low, high) holding exactly the strings that start with prefix, in C (code point)
    order; high is None when no upper bound exists."""
    chars = list(prefix)
    while chars:
        code = ord(chars[-1])
        if code < _MAX_CODE_POINT:
            code += 1
            if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters
                code = 0xE000
            return prefix, "".join(chars[:-1]) + chr(code)
        chars.pop()
    return prefix, None


def containment(path: str, value: str) -> list[str]:
    """JSON documents whose containment (`data @> doc`) means data.<path> equals value: as
    a string, as the JSON scalar it spells (number, true, false, null), or inside an array."""
    scalars: list[Any] = [value]
    try:
        typed = loads(value)  # exact numbers; NaN, Infinity and out-of-range refused
    except (ValueError, RecursionError):
        typed = value
    if typed is None or isinstance(typed, bool | int | float | Decimal):
        scalars.append(typed)
    docs = []
    for scalar in scalars:
        for leaf in (scalar, [scalar]):
            doc: Any = leaf
            for key in reversed(path.split(".")):
                doc = {key: doc}
            docs.append(dumps(doc))
    return docs
