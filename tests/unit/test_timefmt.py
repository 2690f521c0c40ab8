from datetime import UTC, datetime, timedelta, timezone

import pytest

from pts.domain.timefmt import format_rfc3339, parse_rfc3339


@pytest.mark.parametrize("text, expected", [
    ("2018-04-05T17:31:00Z", datetime(2018, 4, 5, 17, 31, tzinfo=UTC)),
    ("2018-04-05t17:31:00.5z", datetime(2018, 4, 5, 17, 31, 0, 500000, tzinfo=UTC)),
    ("2018-04-05T17:31:00.123456789Z", datetime(2018, 4, 5, 17, 31, 0, 123456, tzinfo=UTC)),
    ("2018-04-05T18:31:00+01:00",
     datetime(2018, 4, 5, 18, 31, tzinfo=timezone(timedelta(hours=1)))),
])
def test_valid(text, expected):
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize("text", [
    "lunchtime", "2018-04-05T18:31Z", "2018-04-05T18:31:00X", "2018-04-05T18:31:00+25:00",
    "2018-04-05T18:31:00+xx:00", "2018-04-05T18:31:00+05", "2018-04-05", "2018-13-05T00:00:00Z",
    "2018-04-05 18:31:00Z",
])
def test_invalid(text):
    with pytest.raises(ValueError):
        parse_rfc3339(text)


def test_format_is_utc_with_z():
    value = datetime(2018, 4, 5, 18, 31, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    assert format_rfc3339(value) == "2018-04-05T17:31:00.000005Z"
    assert format_rfc3339(None) is None
