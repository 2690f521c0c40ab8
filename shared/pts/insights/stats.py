"""The statistics of the DORA answers, defined so that they can be checked by hand."""

from __future__ import annotations

import math


def median(values: list[float]) -> float | None:
    """The middle value of the sorted values (the mean of the two middle ones for an even
    count); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile: the value at rank ceil(percent/100 * n) of the sorted
    values (ranks from 1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def number(value: float | None, places: int = 6) -> int | float | None:
    """value rounded to places decimals, as an integer when it is one (5400, not 5400.0)."""
    if value is None:
        return None
    rounded = round(value, places)
    return int(rounded) if float(rounded).is_integer() else rounded
