"""A request's headers read straight from the WSGI environ, once per request."""

from __future__ import annotations

from typing import Any

_HEADERS = "pts.headers"  # environ key of the list, once made
_NOT_HTTP = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})
_PLAIN = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


def environ_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """A WSGI request's headers, as werkzeug's EnvironHeaders lists them (names title-cased),
    made once per request: ingest reads them for the limits and the content mode, and
    iterating EnvironHeaders costs a generator step and a set lookup per environ key."""
    found = environ.get(_HEADERS)
    if found is None:
        found = environ[_HEADERS] = [
            (key[5:].replace("_", "-").title() if key[:5] == "HTTP_"
             else key.replace("_", "-").title(), value)
            for key, value in environ.items()
            if (key[:5] == "HTTP_" and key not in _NOT_HTTP) or (key in _PLAIN and value)]
    return found
