"""Dead-letter care: the readable reason of a letter, its state, checks on ids, discard.

`error_data` is what the subscriber answered, base64 as Knative's knativeerrordata carries
it; `reason` is that answer decoded when it is text, else None.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from pts.domain.timefmt import format_rfc3339
from pts.usecases.deadletters import COLUMNS, OPEN

_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnknownLetters(Exception):
    """Some ids name no letter in the state the action needs; nothing was done."""

    def __init__(self, ids: list[int], state: str = "open"):
        self.ids = sorted(ids)
        super().__init__(f"no {state} dead letter with id {', '.join(map(str, self.ids))}")


def reason(error_data: str | None) -> str | None:
    """error_data decoded when it is base64 of UTF-8 text, else None."""
    if not error_data:
        return None
    try:
        text = base64.b64decode(error_data, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return None if _BINARY.search(text) else text


def state(row: dict) -> str:
    """open, redriven or discarded."""
    if row.get("discarded_at"):
        return "discarded"
    return "redriven" if row.get("redriven_at") else "open"


def as_json(row: dict) -> dict:
    """A letter as the APIs give it: every column, times in RFC 3339, reason and state."""
    out = {k: (format_rfc3339(v) if isinstance(v, datetime) else v) for k, v in row.items()}
    out["reason"] = reason(row.get("error_data"))
    out["state"] = state(row)
    return out


def get(conn: psycopg.Connection, ids: list[int]) -> list[dict]:
    """The letters with these ids, in id order."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {COLUMNS} FROM dead_letters WHERE id = ANY(%s) ORDER BY id",
                           (list(ids),)).fetchall()


def require_open(conn: psycopg.Connection, ids: list[int]) -> None:
    """Lock the given letters; UnknownLetters unless every one of them is open."""
    rows = conn.execute(f"SELECT id FROM dead_letters WHERE id = ANY(%s) AND {OPEN} "
                        "FOR UPDATE", (list(ids),)).fetchall()
    missing = set(ids) - {r[0] for r in rows}
    if missing:
        raise UnknownLetters(list(missing))


def discard(conn: psycopg.Connection, ids: list[int]) -> list[int]:
    """In the caller's transaction: close these open letters without redriving them, all or
    none (UnknownLetters). Returns the ids."""
    require_open(conn, ids)
    conn.execute("UPDATE dead_letters SET discarded_at = now() WHERE id = ANY(%s)",
                 (list(ids),))
    return sorted(set(ids))
