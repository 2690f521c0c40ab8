"""The pure rules behind /dora: statistics, and how deployments are linked to the next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pts.insights.dora import _link
from pts.insights.stats import median, nearest_rank, number


@pytest.mark.parametrize("values,mid,p90", [
    ([], None, None),
    ([5], 5, 5),
    ([3, 1], 2, 3),  # rank ceil(1.8) = 2
    ([4, 1, 3, 2], 2.5, 4),
    (list(range(1, 11)), 5.5, 9),  # rank ceil(9.0) = 9
    (list(range(1, 12)), 6, 10),  # rank ceil(9.9) = 10
])
def test_median_and_nearest_rank(values, mid, p90):
    assert median(values) == mid
    assert nearest_rank(values, 90) == p90


def test_numbers_are_integers_when_whole():
    assert number(5400.0) == 5400 and isinstance(number(5400.0), int)
    assert number(2 / 14) == 0.142857 and number(None) is None


def t(minute: int) -> datetime:
    return datetime(2026, 11, 1, 10, minute, tzinfo=UTC)


def test_equal_finishes_share_their_next():
    rows = [{"finished_at": t(0), "status": "failed"},
            {"finished_at": t(0), "status": "succeeded"},
            {"finished_at": t(5), "status": "failed"},
            {"finished_at": t(9), "status": "succeeded"}]
    _link(rows, {"next_finish": t(30), "next_success": None})
    assert [(r["next_finish"], r["next_success"]) for r in rows] == [
        (t(5), t(9)), (t(5), t(9)), (t(9), t(9)), (t(30), None)]
