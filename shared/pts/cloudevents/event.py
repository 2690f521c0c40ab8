"""An event in CloudEvents' JSON format, from a validated Envelope or a stored row: the one
place that writes it, so that what is hashed, emitted, relayed and delivered agree."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from pts.domain.envelope import Envelope
from pts.domain.jsonnum import dumps
from pts.domain.timefmt import format_rfc3339

_OPTIONAL = ("subject", "datacontenttype", "dataschema")


def to_json(event: Envelope | Mapping[str, Any]) -> dict[str, Any]:
    """The event as a JSON object in CloudEvents' JSON format, time in UTC. event: an
    Envelope, or a mapping of the log's columns (a platform_events row)."""
    e: Mapping[str, Any] = vars(event) if isinstance(event, Envelope) else event
    out: dict[str, Any] = {"specversion": e["specversion"], "id": e["id"],
                           "source": e["source"], "type": e["type"]}
    for name in _OPTIONAL:
        if e.get(name) is not None:
            out[name] = e[name]
    if e.get("time") is not None:
        out["time"] = format_rfc3339(e["time"])
    out.update(e.get("extensions") or {})
    if e.get("data_base64") is not None:
        out["data_base64"] = e["data_base64"]
    elif e.get("data") is not None:
        out["data"] = e["data"]
    return out


class _NotPlain(Exception):
    pass


def _not_plain(value: Any) -> Any:
    raise _NotPlain


# The canonical text of a document without Decimals (almost every event), made by one
# encoder built once; jsonnum.dumps (which builds one per call) writes the others' exact
# digits. Both give the same text wherever both apply.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_not_plain)
# The same encoder's C core, made once too: JSONEncoder.encode builds a new one (and a
# dict of the containers seen, to refuse cycles) at every call, a third of its cost here.
# A decoded request holds no cycle; the same arguments give the same text.
_C_CANONICAL = None if c_make_encoder is None else c_make_encoder(
    None, _not_plain, encode_basestring_ascii, None, ":", ",", True, False, True)


def canonical_text(doc: Any) -> str:
    """JSON text of doc with keys sorted and no spaces, numbers as jsonnum writes them."""
    try:
        if _C_CANONICAL is not None and isinstance(doc, dict):
            return "".join(_C_CANONICAL(doc, 0))
        return _CANONICAL.encode(doc)
    except _NotPlain:
        return dumps(doc, sort_keys=True, separators=(",", ":"))


def content_hash(event: Envelope) -> str:
    """What makes two posts of the same (source, id) the same event: the hash of its JSON
    form, keys sorted (so the spelling of its time, or the order of keys, do not count)."""
    digest = event.__dict__.get("_content_hash")
    return digest if digest is not None else canonical_form(event)[1]


def canonical_form(event: Envelope) -> tuple[str, str]:
    """The event's canonical JSON text (to_json, keys sorted, no spaces) and its content hash
    (sha256 of that text), made once per event and kept on it: ingest hashes each event and
    stores the same text (pts.eventlog)."""
    held = event.__dict__
    text = held.get("_canonical")
    if text is None:
        text = canonical_text(to_json(event))
        # Frozen, and neither is a field: written past the dataclass's __setattr__.
        held["_canonical"], held["_content_hash"] = text, hashlib.sha256(
            text.encode()).hexdigest()
    return text, held["_content_hash"]
