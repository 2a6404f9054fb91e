"""A report's date range: how large it may be, and its days as half-open sub-ranges covering
them exactly once."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

# No activity predates it; a far-off day would also overflow the date arithmetic of the split.
EARLIEST_DAY = date(2000, 1, 1)


class SubRange(BaseModel):
    """Days [start, end): start included, end excluded."""

    index: int
    start: date
    end: date


def days_in(first: date, last: date) -> int:
    """How many days the inclusive range first..last holds."""
    return (last - first).days + 1


def split_date_range(first: date, last: date, days: int) -> list[SubRange]:
    """The inclusive range first..last as consecutive half-open sub-ranges of `days` days (the
    last one shorter when the range does not divide evenly). Each day falls in exactly one."""
    if days < 1:
        raise ValueError("a sub-range holds at least one day")
    if last < first:
        raise ValueError("the range ends before it starts")
    end = last + timedelta(days=1)
    step = timedelta(days=days)
    ranges = []
    start = first
    while start < end:
        stop = min(start + step, end)
        ranges.append(SubRange(index=len(ranges), start=start, end=stop))
        start = stop
    return ranges


def sub_report_count(first: date, last: date, days: int) -> int:
    return -(-days_in(first, last) // days)


def range_fault(
    first: date, last: date, days: int, max_range_days: int, max_sub_reports: int, today: date
) -> str | None:
    """Why a report of first..last in sub-ranges of `days` days cannot be made (a day outside
    EARLIEST_DAY..today, or too large), as a field error of the request (its field, then what
    is wrong); None when it can."""
    for field, day in (("from", first), ("to", last)):
        if not EARLIEST_DAY <= day <= today:
            return f"{field}: must be a day from {EARLIEST_DAY.isoformat()} to today"
    if days_in(first, last) > max_range_days:
        return f"to: the range is longer than {max_range_days} days"
    if sub_report_count(first, last, days) > max_sub_reports:
        return (
            f"subRangeDays: the range makes over {max_sub_reports} sub-reports; "
            "ask for longer sub-ranges"
        )
    return None
