"""A report's range: its limits, and SplitDateRange's half-open sub-ranges that cover the
requested days exactly once."""

import itertools
from datetime import date, timedelta

import pytest

from reports.logic.ranges import days_in, range_fault, split_date_range, sub_report_count
from reports.models import MAX_SUB_RANGE_DAYS

TODAY = date(2025, 12, 31)  # the day the limits are checked on


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


# Each sub-range as start/end, its end the day after its last (half-open).
@pytest.mark.parametrize(
    ("first", "last", "days", "sub_ranges"),
    [
        pytest.param(
            "2024-02-28",
            "2024-03-01",
            1,
            ["2024-02-28/2024-02-29", "2024-02-29/2024-03-01", "2024-03-01/2024-03-02"],
            id="the leap day is in a sub-range",
        ),
        pytest.param(
            "2024-12-30",
            "2025-01-02",
            2,
            ["2024-12-30/2025-01-01", "2025-01-01/2025-01-03"],
            id="a year-end boundary is half-open",
        ),
        pytest.param(
            "2025-05-05", "2025-05-05", 7, ["2025-05-05/2025-05-06"], id="one day, one sub-range"
        ),
        pytest.param(
            "2025-05-01", "2025-05-03", 7, ["2025-05-01/2025-05-04"], id="shorter than a sub-range"
        ),
        pytest.param(
            "2025-01-01",
            "2025-01-10",
            7,
            ["2025-01-01/2025-01-08", "2025-01-08/2025-01-11"],
            id="the last sub-range is shorter when days do not divide",
        ),
    ],
)
def test_a_range_splits_into_these_sub_ranges(first, last, days, sub_ranges):
    ranges = split_date_range(date.fromisoformat(first), date.fromisoformat(last), days)
    assert [f"{r.start}/{r.end}" for r in ranges] == sub_ranges


def test_three_years_in_days_make_about_1100_sub_ranges():
    assert len(split_date_range(date(2023, 1, 1), date(2025, 12, 31), 1)) == 1096


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [(date(2025, 1, 2), date(2025, 1, 1), 7), (date(2025, 1, 1), date(2025, 1, 2), 0)],
)
def test_impossible_ranges_are_refused(first, last, days):
    with pytest.raises(ValueError):
        split_date_range(first, last, days)


def test_a_range_within_both_limits_has_no_fault():
    # 2024 is a leap year: 366 days, in 53 sub-ranges of a week
    assert range_fault(date(2024, 1, 1), date(2024, 12, 31), 7, 366, 53, TODAY) is None


def test_a_range_longer_than_the_limit_is_a_fault_of_its_end():
    fault = range_fault(date(2024, 1, 1), date(2024, 12, 31), 7, 365, 1000, TODAY)
    assert fault == "to: the range is longer than 365 days"


def test_a_range_of_too_many_sub_reports_is_a_fault_of_their_length():
    fault = range_fault(date(2024, 1, 1), date(2024, 12, 31), 7, 366, 52, TODAY)
    assert fault == ("subRangeDays: the range makes over 52 sub-reports; ask for longer sub-ranges")


@pytest.mark.parametrize(
    ("first", "last", "fault"),
    [
        (date(1999, 12, 31), date(2000, 1, 31), "from: must be a day from 2000-01-01 to today"),
        (date(2025, 6, 1), date(2025, 6, 2), "to: must be a day from 2000-01-01 to today"),
        (date(2025, 6, 1), date(9999, 12, 31), "to: must be a day from 2000-01-01 to today"),
        (date(9999, 12, 30), date(9999, 12, 31), "from: must be a day from 2000-01-01 to today"),
    ],
)
def test_days_before_2000_or_after_today_are_a_fault_of_their_field(first, last, fault):
    assert range_fault(first, last, 7, 100_000, 100_000, date(2025, 6, 1)) == fault


def test_the_first_and_the_last_allowed_days_have_no_fault():
    assert range_fault(date(2000, 1, 1), date(2000, 1, 31), 7, 366, 53, TODAY) is None
    assert range_fault(TODAY - timedelta(days=30), TODAY, 7, 366, 53, TODAY) is None


def test_three_years_in_the_longest_sub_ranges_make_36_sub_reports():
    # 1,096 days in months of 31 days: the README's figure
    assert sub_report_count(date(2023, 1, 1), date(2025, 12, 31), MAX_SUB_RANGE_DAYS) == 36
