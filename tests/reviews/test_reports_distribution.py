"""Figures from a 1..5 distribution, against values computed by hand."""

from math import sqrt

import pytest

from reviews.reports.distribution import (
    interpolated_median,
    mean_from_counts,
    median_from_counts,
    percent,
    percentile_from_counts,
    sample_sd_from_counts,
)

VALUES = (1, 2, 3, 4, 5)


def test_no_answers_give_no_figures():
    empty = (0, 0, 0, 0, 0)
    assert [f(empty, VALUES) for f in (mean_from_counts, median_from_counts, interpolated_median)] == [
        None
    ] * 3
    assert sample_sd_from_counts(empty, VALUES) is None
    assert percent(1, 0) is None


def test_median_and_percentiles_interpolate_like_percentile_cont():
    counts = (1, 0, 2, 0, 1)  # sorted 1 3 3 5
    assert median_from_counts(counts, VALUES) == 3.0
    assert percentile_from_counts(counts, 0.9, VALUES) == pytest.approx(3 + 0.7 * 2)  # position 2.7
    assert percentile_from_counts(counts, 0.0, VALUES) == 1.0
    assert percentile_from_counts(counts, 1.0, VALUES) == 5.0
    assert median_from_counts((0, 1, 0, 1, 0), VALUES) == 3.0  # 2 and 4: halfway


def test_interpolated_median_places_the_median_inside_its_category():
    # 2 fours and 3 fives: n/2 = 2.5 falls in category 5 with 2 below and 3 on it
    assert interpolated_median((0, 0, 0, 2, 3), VALUES) == pytest.approx(4.5 + (2.5 - 2) / 3)
    # all the same answer: the middle of its interval
    assert interpolated_median((0, 0, 4, 0, 0), VALUES) == 3.0


def test_mean_and_sample_sd():
    counts = (0, 1, 0, 0, 2)  # 2 5 5: mean 4, deviations 4 1 1 → variance 6 / 2
    assert mean_from_counts(counts, VALUES) == 4.0
    assert sample_sd_from_counts(counts, VALUES) == pytest.approx(sqrt(3))
    assert sample_sd_from_counts((0, 0, 1, 0, 0), VALUES) is None  # one answer
