"""Source restriction: an ingest token with a source prefix posts only events whose source
lies under it, so one pipeline cannot forge another's events. All or nothing: one forbidden
event refuses the whole request.

"Under" means whole path segments of the normalised source: the prefix `/ci` admits `/ci`
and `/ci/deploy`, never `/ci2/` or `/cinema/`. Normalising decodes percent-encoded
unreserved characters (RFC 3986, 6.2.2.2: `%63i` is `ci`). A source that a reader could take
for another path is refused outright: dot segments (`..`, `.`, `%2e%2e`), an encoded or raw
slash substitute (`%2F`, `%5C`, `\\`), control and bidi characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pts.http.problem import Problem

_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_AMBIGUOUS = re.compile(r"%(2[Ff]|5[Cc])|\\")
_HIDDEN = re.compile("[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters after which a prefix ends on a segment boundary by itself.
_BOUNDARY = "/:"


def _decode_unreserved(match: re.Match) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def normalise(source: str) -> str:
    """The source with percent-encoded unreserved characters decoded; ValueError when it
    could be read as another path or hides characters."""
    hidden = _HIDDEN.search(source)
    if hidden:
        raise ValueError(f"contains U+{ord(hidden.group()):04X} (a control or bidi character)")
    if _AMBIGUOUS.search(source):
        raise ValueError("contains an encoded slash or a backslash")
    text = _PERCENT.sub(_decode_unreserved, source)
    path = re.split(r"[?#]", text, maxsplit=1)[0]
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValueError("contains a dot segment (. or ..)")
    return text


def under(source: str, prefix: str) -> str | None:
    """None when source lies under prefix (whole segments), else why not."""
    try:
        norm, base = normalise(source), normalise(prefix)
    except ValueError as exc:
        return str(exc)
    if norm == base or (norm.startswith(base) and (
            base[-1:] in _BOUNDARY or norm[len(base)] in "/?#")):
        return None
    return f"is not under {prefix!r} (whole path segments)"


def check_sources(principal, envelopes: Sequence) -> None:
    """Problem 403 naming every event (index) whose source the principal may not post."""
    prefix = principal.source_prefix
    if not prefix:
        return
    refused = [(i, why) for i, e in enumerate(envelopes)
               if (why := under(e.source, prefix)) is not None]
    if refused:
        raise Problem(
            403,
            f"the token {principal.name!r} may only post sources under {prefix!r}; "
            f"{len(refused)} of {len(envelopes)} events are outside it; nothing was stored",
            errors=[{"index": i, "field": "source", "message": f"{envelopes[i].source!r} {why}"}
                    for i, why in refused],
        )
