"""A validated event: CloudEvents attributes, data, and what PTS derives from them.

`validate_event` turns one raw event (a dict of attributes plus `data` or `data_base64`,
as the HTTP layer decoded it) into an Envelope, or a list of FieldErrors naming each field.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from pts.domain import catalog
from pts.domain.timefmt import parse_rfc3339

CORE = ("id", "source", "type", "specversion", "subject", "time", "datacontenttype", "dataschema")
_NOT_EXTENSIONS = frozenset((*CORE, "data", "data_base64"))
_REQUIRED = ("id", "source", "type")
_OPTIONAL = ("subject", "dataschema", "datacontenttype")
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,64}$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?$")
_INT32 = (-(2**31), 2**31 - 1)
MAX_ATTRIBUTE_LENGTH = 4096
# Control characters (U+0000-U+001F, U+007F-U+009F): CloudEvents 1.0.2's String type
# excludes them, and a CR LF in an id would forge log lines and header values.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one event of a request."""

    field: str
    message: str
    kind: str = "attribute"  # attribute (400), data or type (422)
    index: int | None = None

    def at(self, index: int) -> FieldError:
        return FieldError(self.field, self.message, self.kind, index)


@dataclass(frozen=True)
class Envelope:
    """A valid event, ready to be stored (its CloudEvents JSON form and content hash:
    pts.cloudevents.event)."""

    id: str
    source: str
    type: str
    specversion: str = "1.0"
    subject: str | None = None
    time: datetime | None = None
    datacontenttype: str | None = None
    dataschema: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    data: Any = None
    data_base64: str | None = None

    @property
    def service(self) -> str | None:
        return _str_field(self.data, "service")

    @property
    def environment(self) -> str | None:
        return _str_field(self.data, "environment")


def _str_field(data: Any, name: str) -> str | None:
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _string_attr(raw: dict[str, Any], name: str, errors: list[FieldError], *,
                 required: bool) -> str | None:
    value = raw.get(name)
    # Printable ASCII holds no control character: most values are decided here without
    # the regular expression, which then only names what is wrong.
    if (isinstance(value, str) and value.isascii() and value.isprintable()
            and 0 < len(value) <= MAX_ATTRIBUTE_LENGTH):
        return value
    if value is None:
        if required:
            errors.append(FieldError(name, "required attribute is missing"))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be a string"))
    elif value == "":
        errors.append(FieldError(name, "must not be empty"))
    elif len(value) > MAX_ATTRIBUTE_LENGTH:
        errors.append(FieldError(name, f"longer than {MAX_ATTRIBUTE_LENGTH} characters"))
    elif _CONTROL.search(value):
        errors.append(FieldError(name, control_message(value)))
    else:
        return value
    return None


@functools.lru_cache(maxsize=64)
def _media_type(value: str) -> bool:
    # Producers send a handful of content types: each is matched once per process.
    return _MEDIA_TYPE.match(value) is not None


def control_message(value: str) -> str:
    """What is wrong with an attribute value holding a control character."""
    found = _CONTROL.search(value)
    code = ord(found.group()) if found else 0
    return f"contains the control character U+{code:04X}; attributes are printable text"


def _valid_extension_value(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return len(value) <= MAX_ATTRIBUTE_LENGTH
    return isinstance(value, int) and _INT32[0] <= value <= _INT32[1]


def _extension(name: str, value: Any, errors: list[FieldError]) -> Any:
    if not _EXTENSION_NAME.match(name):
        errors.append(FieldError(name[:64], "extension names are lower-case letters and digits"))
    elif isinstance(value, str) and _CONTROL.search(value):
        errors.append(FieldError(name, control_message(value)))
    elif _valid_extension_value(value):
        return value
    else:
        errors.append(FieldError(name, "extension values are strings, booleans or 32-bit integers"))
    return None


def validate_attributes(raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Check the CloudEvents 1.0 context attributes of one raw event."""
    errors: list[FieldError] = []
    attrs: dict[str, Any] = {}
    spec = raw.get("specversion")
    if spec is None:
        errors.append(FieldError("specversion", "required attribute is missing"))
    elif spec != "1.0":
        errors.append(FieldError("specversion", "only CloudEvents 1.0 is supported"))
    for name in _REQUIRED:
        value = raw.get(name)  # _string_attr's first test, inline: most values pass it
        attrs[name] = value if (isinstance(value, str) and value.isascii()
                                and value.isprintable()
                                and 0 < len(value) <= MAX_ATTRIBUTE_LENGTH) \
            else _string_attr(raw, name, errors, required=True)
    for name in _OPTIONAL:
        attrs[name] = _string_attr(raw, name, errors, required=False) \
            if name in raw else None
    if attrs["datacontenttype"] and not _media_type(attrs["datacontenttype"]):
        errors.append(FieldError("datacontenttype", "not an RFC 2046 media type"))
    time = raw.get("time")
    if time is not None:
        try:
            if not isinstance(time, str):
                raise ValueError("must be a string")
            attrs["time"] = parse_rfc3339(time)
        except ValueError as exc:
            errors.append(FieldError("time", f"not an RFC 3339 timestamp: {exc}"))
    if raw.get("data") is not None and raw.get("data_base64") is not None:
        errors.append(FieldError("data_base64", "an event has data or data_base64, not both"))
    extensions = {}
    if not _NOT_EXTENSIONS.issuperset(raw):  # most events have none: one C set test
        for name, value in raw.items():
            if name in _NOT_EXTENSIONS or value is None:
                continue
            extensions[name] = _extension(name, value, errors)
    attrs["extensions"] = extensions
    return attrs, errors


def unknown_type_hint(type_: str) -> str:
    """The 422 message for a type PTS does not take, saying how to allow it."""
    if type_.startswith(catalog.PREFIX):
        return (f"unknown event type {type_!r}: it is not in the catalog "
                "(docs/event-catalog.md); send events PTS should only store as "
                "dev.pts.platform.<name>")
    head = type_.rsplit(".", 1)[0] + "." if "." in type_ else type_
    return (f"unknown event type {type_!r}: PTS takes the types of its catalog "
            "(docs/event-catalog.md) and CDEvents (dev.cdevents.*); an operator allows "
            f"other types by prefix with PTS_FOREIGN_TYPES (for example "
            f"PTS_FOREIGN_TYPES={head})")


def cdevent_subject(type_: str, data: Any) -> str | None:
    """A CDEvent's subject id, the CloudEvents subject its binding prescribes."""
    if not type_.startswith(catalog.CDEVENTS_PREFIXES) or not isinstance(data, dict):
        return None
    subject = data.get("subject")
    value = subject.get("id") if isinstance(subject, dict) else None
    return value if isinstance(value, str) and value else None


def validate_event(
    raw: Any, foreign_types: list[str] | tuple[str, ...] = ()
) -> Envelope | list[FieldError]:
    """One raw event (any JSON value) to an Envelope, or the list of what is wrong with it."""
    if not isinstance(raw, dict):
        return [FieldError("", "an event must be a JSON object")]
    attrs, errors = validate_attributes(raw)
    if errors:
        return errors
    type_ = attrs["type"]
    data, data_base64 = raw.get("data"), raw.get("data_base64")
    if data_base64 is not None:
        try:
            base64.b64decode(data_base64, validate=True)
        except (binascii.Error, TypeError, ValueError):
            return [FieldError("data_base64", "not valid base64")]
    try:
        model = catalog.model_for(type_, foreign_types)
    except catalog.UnknownType:
        return [FieldError("type", unknown_type_hint(type_), "type")]
    if model is not catalog.ANY_DATA:
        if not isinstance(data, dict):
            return [FieldError("data", f"{type_} needs a JSON object as data", "data")]
        try:
            model.model_validate(data)
        except ValidationError as exc:
            return [
                FieldError("data." + ".".join(str(p) for p in e["loc"]), e["msg"], "data")
                for e in exc.errors()
            ]
    subject = attrs["subject"] or catalog.subject_for(type_, data) or cdevent_subject(type_, data)
    return _envelope(
        id=attrs["id"], source=attrs["source"], type=type_, specversion="1.0", subject=subject,
        time=attrs.get("time"), datacontenttype=attrs["datacontenttype"],
        dataschema=attrs["dataschema"], extensions=attrs["extensions"],
        data=data, data_base64=data_base64,
    )


def _envelope(**fields: Any) -> Envelope:
    """Envelope(**fields), every field given: what the frozen dataclass's __init__ does (one
    object.__setattr__ per field, a sixth of validating an event) in one update."""
    env = object.__new__(Envelope)
    env.__dict__.update(fields)
    return env
