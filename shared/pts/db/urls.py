"""Conversions between the URL forms that psycopg, SQLAlchemy and users write."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_SCHEME = re.compile(r"^postgres(ql)?(\+\w+)?://")


def to_conninfo(url: str) -> str:
    """A libpq URL (postgresql://...) from any PostgreSQL URL, driver suffix removed."""
    return _SCHEME.sub("postgresql://", url, count=1)


def to_sqlalchemy_url(url: str) -> str:
    """A SQLAlchemy URL using psycopg 3."""
    return _SCHEME.sub("postgresql+psycopg://", url, count=1)


def with_database(url: str, name: str) -> str:
    """The same server URL (SQLAlchemy form) pointing at another database, its query
    percent-encoded as SQLAlchemy renders it (`?host=%2Ftmp%2F...`), so that the database
    name stays the last path segment.

    Plain string work rather than SQLAlchemy's make_url: importing SQLAlchemy costs a CLI
    command a few hundred milliseconds."""

    parts = urlsplit(to_sqlalchemy_url(url))
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True), safe="")
    return urlunsplit(parts._replace(path="/" + quote(name, safe=""), query=query))
