"""An employee's earnings for the period: regular and overtime pay, withholdings, net pay.

Overtime is every hour past 40 in an ISO week (Monday to Sunday), paid at 1.5 times the rate of
the job it was worked on. Hours are counted in the order they were worked (date, then file
order), so the hours that cross the 40-hour line are the overtime ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from payroll.logic.timesheet import TimesheetEntry

WEEKLY_REGULAR_HOURS = Decimal(40)
OVERTIME_MULTIPLIER = Decimal("1.5")
CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class WithholdingRates:
    social_security: Decimal
    medicare: Decimal
    income_tax: Decimal


@dataclass(frozen=True, slots=True)
class JobEarnings:
    job_code: str
    hourly_rate: Decimal
    regular_hours: Decimal
    overtime_hours: Decimal
    regular_pay: Decimal
    overtime_pay: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PayFigures:
    """The hours, pay and withholdings that a paystub, a rollup row and a run's totals carry."""

    regular_hours: Decimal
    overtime_hours: Decimal
    regular_pay: Decimal
    overtime_pay: Decimal
    gross_pay: Decimal
    social_security: Decimal
    medicare: Decimal
    income_tax: Decimal

    @property
    def withholdings(self) -> Decimal:
        return self.social_security + self.medicare + self.income_tax

    @property
    def net_pay(self) -> Decimal:
        return self.gross_pay - self.withholdings


PAY_FIGURES = tuple(field.name for field in fields(PayFigures))


@dataclass(frozen=True, slots=True, kw_only=True)
class Paystub(PayFigures):
    employee_id: str
    employee_name: str
    period_start: date
    period_end: date
    jobs: tuple[JobEarnings, ...]


def _hours_by_job(entries: Iterable[TimesheetEntry]) -> dict[tuple[str, Decimal], list[Decimal]]:
    """(job code, rate) -> [regular hours, overtime hours], from entries in the order worked:
    a week's hours beyond WEEKLY_REGULAR_HOURS are overtime, whichever job they were on."""
    hours_in_week: dict[tuple[int, int], Decimal] = {}
    jobs: dict[tuple[str, Decimal], list[Decimal]] = {}
    for entry in entries:
        week = entry.date.isocalendar()[:2]
        before = hours_in_week.get(week, Decimal(0))
        regular = max(Decimal(0), min(entry.hours, WEEKLY_REGULAR_HOURS - before))
        hours_in_week[week] = before + entry.hours
        hours = jobs.setdefault((entry.job_code, entry.hourly_rate), [Decimal(0), Decimal(0)])
        hours[0] += regular
        hours[1] += entry.hours - regular
    return jobs


def compute_paystub(
    entries: Iterable[TimesheetEntry],
    rates: WithholdingRates,
    period: tuple[date, date] | None = None,
) -> Paystub:
    """The paystub of one employee from all their timesheet entries of the period."""
    worked = sorted(enumerate(entries), key=lambda item: (item[1].date, item[0]))
    if not worked:
        raise ValueError("a paystub needs at least one timesheet entry")
    by_job = _hours_by_job(entry for _, entry in worked)
    job_earnings = tuple(
        JobEarnings(
            job_code=job_code,
            hourly_rate=rate,
            regular_hours=regular,
            overtime_hours=overtime,
            regular_pay=cents(regular * rate),
            overtime_pay=cents(overtime * rate * OVERTIME_MULTIPLIER),
        )
        for (job_code, rate), (regular, overtime) in by_job.items()
    )
    regular_pay = sum((job.regular_pay for job in job_earnings), Decimal(0))
    overtime_pay = sum((job.overtime_pay for job in job_earnings), Decimal(0))
    gross = regular_pay + overtime_pay
    first = worked[0][1]
    return Paystub(
        employee_id=first.employee_id,
        employee_name=first.employee_name,
        period_start=period[0] if period else first.date,
        period_end=period[1] if period else worked[-1][1].date,
        jobs=job_earnings,
        regular_hours=sum((job.regular_hours for job in job_earnings), Decimal(0)),
        overtime_hours=sum((job.overtime_hours for job in job_earnings), Decimal(0)),
        regular_pay=regular_pay,
        overtime_pay=overtime_pay,
        gross_pay=gross,
        social_security=cents(gross * rates.social_security),
        medicare=cents(gross * rates.medicare),
        income_tax=cents(gross * rates.income_tax),
    )
