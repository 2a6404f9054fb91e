"""The paystub and report PDFs and CSVs, read back (pypdf) and checked for names and amounts."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from payroll.logic.earnings import WithholdingRates, compute_paystub
from payroll.logic.paystub_pdf import render_paystub
from payroll.logic.report import chart_bars, render_report, report_csv, totals
from payroll.logic.rollup import read_rollup, rollup_csv
from payroll.logic.timesheet import TimesheetEntry

RATES = WithholdingRates(Decimal("0.062"), Decimal("0.0145"), Decimal("0.10"))


def paystub_of(employee_id: str, name: str, hours: str, rate: str):
    entries = [
        TimesheetEntry(employee_id, name, date(2026, 11, 2), "DEV", Decimal(hours), Decimal(rate)),
        TimesheetEntry(employee_id, name, date(2026, 11, 4), "OPS", Decimal(4), Decimal(rate) + 5),
    ]
    return compute_paystub(entries, RATES)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_paystub_pdf_shows_the_employee_and_every_amount():
    # GIVEN Ada's paystub: 42 hours at $50 then 4 at $55 in one week
    paystub = paystub_of("E1", "Ada Lovelace", "42", "50")
    # WHEN it is drawn
    text = pdf_text(render_paystub(paystub))
    # THEN the PDF's text carries who, when and every figure
    assert "Ada Lovelace (E1)" in text
    assert "2026-11-02 to 2026-11-04" in text
    assert paystub.gross_pay == Decimal("2480.00")  # 40 x 50 + 2 x 75 + 4 x 82.5
    for amount in (
        "$2,480.00",
        "$153.76",
        "$35.96",
        "$248.00",
        "$2,042.28",
        "$2,000.00",
        "$480.00",
    ):
        assert amount in text
    assert "Net pay" in text


def test_the_rollup_round_trips_every_figure():
    paystubs = [paystub_of("E1", "Ada", "42", "50"), paystub_of("E2", "Alan", "10", "30")]
    rows = read_rollup(rollup_csv(paystubs))
    assert [row.employee_id for row in rows] == ["E1", "E2"]
    assert rows[0].gross_pay == paystubs[0].gross_pay
    assert rows[1].net_pay == paystubs[1].net_pay
    assert rows[0].job_codes == "DEV OPS"


def test_the_report_has_totals_a_row_per_employee_and_a_chart():
    # GIVEN three paystubs in a rollup
    paystubs = [
        paystub_of("E1", "Ada", "42", "50"),
        paystub_of("E2", "Alan", "10", "30"),
        paystub_of("E3", "Grace", "20", "40"),
    ]
    rows = read_rollup(rollup_csv(paystubs))
    summary = totals(rows)
    # WHEN the report is drawn
    text = pdf_text(render_report(rows, "Payroll run for s3://raw/week.csv"))
    # THEN it shows the totals, each employee and the chart's title
    assert summary.gross_pay == sum(p.gross_pay for p in paystubs)
    assert f"${summary.gross_pay:,.2f}" in text
    assert f"${summary.net_pay:,.2f}" in text
    for paystub in paystubs:
        assert paystub.employee_name in text
        assert f"${paystub.net_pay:,.2f}" in text
    assert "Gross pay by employee" in text
    # AND the report CSV ends with the totals
    lines = list(csv.reader(io.StringIO(report_csv(rows))))
    assert [line[0] for line in lines[1:-1]] == ["E1", "E2", "E3"]
    assert lines[-1][0] == "TOTAL"
    assert Decimal(lines[-1][6]) == summary.gross_pay
    assert Decimal(lines[-1][8]) == summary.net_pay


def test_a_chart_of_many_employees_keeps_the_largest_and_sums_the_rest():
    paystubs = [paystub_of(f"E{n}", f"Name {n}", str(n), "20") for n in range(1, 31)]
    rows = read_rollup(rollup_csv(paystubs))
    bars = chart_bars(rows)
    assert len(bars) == 15
    assert bars[0][0] == "Name 30 (E30)"
    assert bars[-1][0] == "16 others"
    assert sum(amount for _, amount in bars) == totals(rows).gross_pay
