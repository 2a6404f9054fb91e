"""Earnings arithmetic: regular and overtime hours per ISO week, withholdings, net pay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from payroll.logic.earnings import WithholdingRates, compute_paystub
from payroll.logic.timesheet import TimesheetEntry

US_RATES = WithholdingRates(Decimal("0.062"), Decimal("0.0145"), Decimal("0.10"))


def worked(day: str, hours: str, rate: str = "20", job: str = "DEV") -> TimesheetEntry:
    return TimesheetEntry("E1", "Ada", date.fromisoformat(day), job, Decimal(hours), Decimal(rate))


def test_forty_hours_or_less_in_a_week_is_all_regular():
    paystub = compute_paystub([worked("2026-11-02", "8")] * 5, US_RATES)
    assert paystub.regular_hours == 40
    assert paystub.overtime_hours == 0
    assert paystub.gross_pay == Decimal("800.00")


def test_hours_past_forty_in_an_iso_week_are_paid_at_one_and_a_half():
    # GIVEN 45 hours in one week at $20
    paystub = compute_paystub([worked("2026-11-02", "40"), worked("2026-11-06", "5")], US_RATES)
    # THEN 5 hours are overtime at $30
    assert (paystub.regular_hours, paystub.overtime_hours) == (40, 5)
    assert paystub.regular_pay == Decimal("800.00")
    assert paystub.overtime_pay == Decimal("150.00")
    assert paystub.gross_pay == Decimal("950.00")


def test_weeks_are_counted_apart_monday_to_sunday():
    # GIVEN 30 hours on a Sunday and 30 on the next Monday (two ISO weeks)
    paystub = compute_paystub([worked("2026-11-08", "30"), worked("2026-11-09", "30")], US_RATES)
    # THEN neither week reaches overtime
    assert paystub.overtime_hours == 0
    assert paystub.period_start == date(2026, 11, 8)
    assert paystub.period_end == date(2026, 11, 9)


def test_overtime_is_paid_at_the_rate_of_the_job_that_crossed_forty_hours():
    # GIVEN 36 hours at $20 (in file order last, but worked first) and 8 later hours at $40
    paystub = compute_paystub(
        [worked("2026-11-05", "8", "40", "LEAD"), worked("2026-11-02", "36", "20", "DEV")],
        US_RATES,
    )
    # THEN the last 4 hours worked are overtime at 1.5 x $40
    lead = next(job for job in paystub.jobs if job.job_code == "LEAD")
    assert (lead.regular_hours, lead.overtime_hours) == (4, 4)
    assert paystub.regular_pay == Decimal("880.00")  # 36 x 20 + 4 x 40
    assert paystub.overtime_pay == Decimal("240.00")  # 4 x 60


def test_withholdings_are_rounded_to_the_cent_and_net_is_what_remains():
    # GIVEN a gross pay of $1,234.57 (fractional hours and rate)
    paystub = compute_paystub([worked("2026-11-02", "37.25", "33.1428")], US_RATES)
    assert paystub.gross_pay == Decimal("1234.57")
    # THEN each withholding is its rate of gross, half-up to the cent
    assert paystub.social_security == Decimal("76.54")  # 76.54334
    assert paystub.medicare == Decimal("17.90")  # 17.901265
    assert paystub.income_tax == Decimal("123.46")  # 123.457
    assert paystub.net_pay == Decimal("1016.67")


def test_the_pay_period_can_be_the_whole_files():
    paystub = compute_paystub(
        [worked("2026-11-03", "8")], US_RATES, (date(2026, 11, 2), date(2026, 11, 15))
    )
    assert (paystub.period_start, paystub.period_end) == (date(2026, 11, 2), date(2026, 11, 15))
