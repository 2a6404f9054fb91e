"""rollup.csv: one row per paystub with every figure on it; what the report is made from.

It is written spreadsheet-safe (common.spreadsheet): figures as numbers, text cells that could
run as formulas behind a quote, which read_rollup takes off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from common.spreadsheet import csv_writer, unneutralised
from payroll.logic.earnings import PayFigures, Paystub

ROLLUP_HEADER = (
    "employee_id",
    "employee_name",
    "period_start",
    "period_end",
    "job_codes",
    "regular_hours",
    "overtime_hours",
    "regular_pay",
    "overtime_pay",
    "gross_pay",
    "social_security",
    "medicare",
    "income_tax",
    "net_pay",
)
AMOUNTS = ROLLUP_HEADER[5:]


@dataclass(frozen=True, slots=True, kw_only=True)
class RollupRow(PayFigures):
    employee_id: str
    employee_name: str
    period_start: str
    period_end: str
    job_codes: str


def paystub_row(paystub: Paystub) -> tuple[str | Decimal, ...]:
    return (
        paystub.employee_id,
        paystub.employee_name,
        paystub.period_start.isoformat(),
        paystub.period_end.isoformat(),
        " ".join(sorted({job.job_code for job in paystub.jobs})),
        paystub.regular_hours,
        paystub.overtime_hours,
        paystub.regular_pay,
        paystub.overtime_pay,
        paystub.gross_pay,
        paystub.social_security,
        paystub.medicare,
        paystub.income_tax,
        paystub.net_pay,
    )


def rollup_csv(paystubs: Iterable[Paystub], header: bool = True) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    if header:
        writer.writerow(ROLLUP_HEADER)
    writer.writerows(paystub_row(paystub) for paystub in paystubs)
    return out.getvalue()


def join_parts(parts: Iterable[str]) -> str:
    """One rollup.csv from the header-less parts the paystub batches wrote, in order."""
    return ",".join(ROLLUP_HEADER) + "\n" + "".join(parts)


def read_rollup(text: str) -> list[RollupRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != ROLLUP_HEADER:
        raise ValueError(f"not a rollup.csv: header {reader.fieldnames}")
    # net_pay is in the file for its readers; the row computes it from the figures it holds.
    return [
        RollupRow(
            **{
                name: Decimal(value) if name in AMOUNTS else unneutralised(value)
                for name, value in row.items()
                if name != "net_pay"
            }
        )
        for row in reader
    ]
