"""SplitDateRange's rule: half-open sub-ranges that cover the requested days exactly once."""

import itertools
from datetime import date, timedelta

import pytest

from reports.logic.ranges import days_in, split_date_range, sub_report_count


def _days_covered(ranges) -> list[date]:
    days = []
    for sub_range in ranges:
        day = sub_range.start
        while day < sub_range.end:
            days.append(day)
            day += timedelta(days=1)
    return days


def _every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(days_in(first, last))]


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [
        (date(2025, 1, 1), date(2025, 3, 31), 7),
        (date(2024, 2, 25), date(2024, 3, 5), 2),  # across a leap day
        (date(2023, 12, 28), date(2024, 1, 3), 3),  # across a year end
        (date(2023, 1, 1), date(2025, 12, 31), 1),  # three years, one day each
        (date(2024, 1, 1), date(2024, 12, 31), 30),
    ],
)
def test_sub_ranges_cover_every_day_exactly_once(first, last, days):
    # GIVEN a range  WHEN it is split
    ranges = split_date_range(first, last, days)
    # THEN each day is in exactly one sub-range, in order, and sub-ranges touch
    assert _days_covered(ranges) == _every_day(first, last)
    assert [r.index for r in ranges] == list(range(len(ranges)))
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    assert ranges[-1].end == last + timedelta(days=1)
    assert len(ranges) == sub_report_count(first, last, days)


def test_the_leap_day_is_in_a_sub_range():
    ranges = split_date_range(date(2024, 2, 28), date(2024, 3, 1), 1)
    assert [(r.start, r.end) for r in ranges] == [
        (date(2024, 2, 28), date(2024, 2, 29)),
        (date(2024, 2, 29), date(2024, 3, 1)),
        (date(2024, 3, 1), date(2024, 3, 2)),
    ]


def test_a_year_end_boundary_is_half_open():
    ranges = split_date_range(date(2024, 12, 30), date(2025, 1, 2), 2)
    assert [(r.start, r.end) for r in ranges] == [
        (date(2024, 12, 30), date(2025, 1, 1)),
        (date(2025, 1, 1), date(2025, 1, 3)),
    ]


def test_a_one_day_range_is_one_sub_range():
    assert [(r.start, r.end) for r in split_date_range(date(2025, 5, 5), date(2025, 5, 5), 7)] == [
        (date(2025, 5, 5), date(2025, 5, 6))
    ]


def test_a_range_shorter_than_a_sub_range_is_one_short_sub_range():
    ranges = split_date_range(date(2025, 5, 1), date(2025, 5, 3), 7)
    assert [(r.start, r.end) for r in ranges] == [(date(2025, 5, 1), date(2025, 5, 4))]


def test_the_last_sub_range_is_shorter_when_days_do_not_divide():
    ranges = split_date_range(date(2025, 1, 1), date(2025, 1, 10), 7)
    assert [(r.start, r.end) for r in ranges] == [
        (date(2025, 1, 1), date(2025, 1, 8)),
        (date(2025, 1, 8), date(2025, 1, 11)),
    ]


def test_three_years_in_days_make_about_1100_sub_ranges():
    assert len(split_date_range(date(2023, 1, 1), date(2025, 12, 31), 1)) == 1096


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [(date(2025, 1, 2), date(2025, 1, 1), 7), (date(2025, 1, 1), date(2025, 1, 2), 0)],
)
def test_impossible_ranges_are_refused(first, last, days):
    with pytest.raises(ValueError):
        split_date_range(first, last, days)
