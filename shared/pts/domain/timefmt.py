"""RFC 3339 timestamps, strictly: CloudEvents' `time` is read by parse_rfc3339, and every
time PTS emits (HTTP answers, the CLI's --json and tables, log lines) is written by
format_rfc3339 or json_default: UTC with `Z`, which parse_rfc3339 reads back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 date-time; ValueError for anything else (no minutes-only, no +05)."""
    m = _RFC3339.match(value)
    if not m:
        raise ValueError("not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or ""
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    if m.group(8):
        tz = UTC
    else:
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            raise ValueError("time zone offset out of range")
        delta = timedelta(hours=oh, minutes=om)
        tz = timezone(delta if m.group(9) == "+" else -delta)
    if second == 60:  # a leap second: keep the instant representable
        second = 59
    parsed = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    if tz is UTC:
        return parsed  # already in UTC: in range
    try:
        parsed.astimezone(UTC)  # 0001-01-01T00:00:00+01:00 has no UTC year 1 form
    except OverflowError:
        raise ValueError("out of range once in UTC") from None
    return parsed


def format_rfc3339(value: datetime | None) -> str | None:
    """UTC, microseconds when present, `Z` suffix."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat (C) writes the year with 4 digits (not strftime: its %Y writes year 99 as
    # "99", which is no RFC 3339), and microseconds only when present; then "+00:00" -> Z.
    return value.isoformat()[:-6] + "Z"


def json_default(value: object) -> str:
    """`json.dumps(..., default=json_default)` for everything PTS emits (HTTP answers, the
    CLI's --json): datetimes as format_rfc3339 gives them, anything else as str()."""
    if isinstance(value, datetime):
        return format_rfc3339(value) or ""
    return str(value)
