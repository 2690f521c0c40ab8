"""Tables of named, revocable secrets: api_tokens and webhook_integrations.

Both keep a row per secret: made with a fresh secret (shown once, stored as its hash), listed,
revoked by name. A revoked row stays, for the record, and frees its name: a partial unique
index keeps a name unique among live rows, so a second live row of that name is NameTaken.
One statement per call; the caller owns the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import psycopg

R = TypeVar("R")


class NameTaken(Exception):
    """A live row already has this name."""


@dataclass(frozen=True)
class NamedTable(Generic[R]):
    """One such table: `columns` are read back as `record(row)`; `noun` names a row in
    messages; `on_revoke` is more to SET when revoking (erasing a stored secret)."""

    table: str
    columns: str
    record: Callable[[Sequence[Any]], R]
    noun: str
    on_revoke: str = ""

    def insert(self, pool: Any, name: str, values: dict[str, object]) -> R:
        """Store a row of that name and these other columns; NameTaken when a live row has
        the name (or the secret's hash is stored already)."""
        names = ["name", *values]
        try:
            with pool.connection() as conn:
                row = conn.execute(
                    f"INSERT INTO {self.table} ({', '.join(names)}) "
                    f"VALUES ({', '.join(['%s'] * len(names))}) RETURNING {self.columns}",
                    [name, *values.values()]).fetchone()
        except psycopg.errors.UniqueViolation:
            raise NameTaken(f"a live {self.noun} is already named {name!r}") from None
        return self.record(row)

    def list(self, pool: Any, include_revoked: bool = False) -> list[R]:
        """Every live row (and revoked ones if asked), oldest first."""
        where = "" if include_revoked else "WHERE revoked_at IS NULL"
        with pool.connection() as conn:
            rows = conn.execute(f"SELECT {self.columns} FROM {self.table} {where} ORDER BY id"
                                ).fetchall()
        return [self.record(r) for r in rows]

    def revoke(self, pool: Any, name: str) -> R | None:
        """Revoke the live row of that name; None when there is none."""
        with pool.connection() as conn:
            row = conn.execute(
                f"UPDATE {self.table} SET revoked_at = now(){self.on_revoke} "
                f"WHERE name = %s AND revoked_at IS NULL RETURNING {self.columns}", (name,),
            ).fetchone()
        return self.record(row) if row else None
