"""Conversions between the URL forms that psycopg, SQLAlchemy and users write."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^postgres(ql)?(\+\w+)?://")


def to_conninfo(url: str) -> str:
    """A libpq URL (postgresql://...) from any PostgreSQL URL, driver suffix removed."""
    return _SCHEME.sub("postgresql://", url, count=1)


def to_sqlalchemy_url(url: str) -> str:
    """A SQLAlchemy URL using psycopg 3."""
    return _SCHEME.sub("postgresql+psycopg://", url, count=1)


def with_database(url: str, name: str) -> str:
    """The same server URL (SQLAlchemy form) pointing at another database.

    Plain string work rather than SQLAlchemy's make_url: importing SQLAlchemy costs a CLI
    command a few hundred milliseconds."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(to_sqlalchemy_url(url))
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))
