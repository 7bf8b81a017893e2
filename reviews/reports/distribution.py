"""Figures of a rating question computed exactly from its distribution (the count of each value).

For integer ratings the distribution *is* the data: sorting the answers gives ``counts[0]``
ones, then ``counts[1]`` twos, and so on. So the median and any percentile can be read off the
counts without sorting rows, on every database, with exactly the result of PostgreSQL's
``percentile_cont`` (continuous percentile: linear interpolation between the two answers around
position ``p × (n − 1)`` of the sorted answers; ``test_reports_figures`` checks the two agree
on PostgreSQL). The counts come from one aggregate pass (``COUNT(*) FILTER (WHERE clarity = 1)``
…); these functions do arithmetic on at most ten numbers.
"""

from collections.abc import Sequence
from math import floor, sqrt


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``; None when ``whole`` is 0."""
    return 100.0 * part / whole if whole else None


def _value_at(index: int, counts: Sequence[int], values: Sequence[int]) -> int:
    """The answer at position ``index`` (0-based) of the sorted answers."""
    seen = 0
    for value, count in zip(values, counts, strict=True):
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def percentile_from_counts(counts: Sequence[int], fraction: float, values: Sequence[int]) -> float | None:
    """``percentile_cont(fraction)`` of the answers described by ``counts`` of ``values``
    (ascending). None without answers."""
    n = sum(counts)
    if n == 0:
        return None
    position = fraction * (n - 1)
    below = floor(position)
    low = _value_at(below, counts, values)
    if position == below:
        return float(low)
    high = _value_at(below + 1, counts, values)
    return low + (position - below) * (high - low)


def median_from_counts(counts: Sequence[int], values: Sequence[int]) -> float | None:
    return percentile_from_counts(counts, 0.5, values)


def interpolated_median(counts: Sequence[int], values: Sequence[int]) -> float | None:
    """The interpolated (grouped-data) median that course-evaluation reports print beside the
    median (McGill's definition): each value ``v`` stands for the interval [v − ½, v + ½), and
    the median is placed inside the interval of the median category in proportion to the
    answers below it: ``m − ½ + (n/2 − below) / at``, where ``m`` is the first value at which
    the cumulative count reaches n/2, ``below`` the answers under it and ``at`` those on it.
    It tells 4.0 from 4.4 where the plain median says "4" for both."""
    n = sum(counts)
    if n == 0:
        return None
    below = 0
    for value, count in zip(values, counts, strict=True):
        if count and below + count >= n / 2:
            return value - 0.5 + (n / 2 - below) / count
        below += count
    raise AssertionError("unreachable: the counts add up to n")


def sample_sd_from_counts(counts: Sequence[int], values: Sequence[int]) -> float | None:
    """The sample standard deviation (n − 1 in the denominator, like ``STDDEV_SAMP``) of the
    answers described by ``counts``; None for fewer than two answers. Exact: the sums are
    integers. The SQLite fallback for ``StdDev`` (Django's SQLite ``STDDEV_SAMP`` passes NULLs
    to Python's ``statistics.stdev`` and fails on them and on a single value)."""
    n = sum(counts)
    if n < 2:
        return None
    total = sum(value * count for value, count in zip(values, counts, strict=True))
    squares = sum(value * value * count for value, count in zip(values, counts, strict=True))
    return sqrt(max(0.0, (squares - total * total / n) / (n - 1)))


def mean_from_counts(counts: Sequence[int], values: Sequence[int]) -> float | None:
    """The mean of the answers described by ``counts``; None without answers."""
    n = sum(counts)
    if n == 0:
        return None
    return sum(value * count for value, count in zip(values, counts, strict=True)) / n
