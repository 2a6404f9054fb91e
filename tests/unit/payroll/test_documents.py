"""The paystub and report PDFs and CSVs, read back (pypdf) and checked for names and amounts."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from payroll.logic.earnings import WithholdingRates, compute_paystub
from payroll.logic.paystub_pdf import render_paystub
from payroll.logic.report import chart_amount, chart_bars, render_report, report_csv, totals
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


NAMES = ["Łukasz Żółć", "Ödön Őry", "Jiří Žák", "Жанна Иванова", "Ωmega Σοφία"]


def font_names(data: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


@pytest.mark.parametrize("name", NAMES)
def test_a_paystub_shows_a_name_in_any_latin_greek_or_cyrillic_script(name):
    # GIVEN a paystub for a name the PDF standard fonts cannot draw
    paystub = paystub_of("E7", name, "8", "50")
    # WHEN it is drawn
    pdf = render_paystub(paystub)
    # THEN the name reads back exactly, drawn with the embedded Unicode font only
    assert f"{name} (E7)" in pdf_text(pdf)
    assert all("DejaVuSans" in font for font in font_names(pdf)), font_names(pdf)


def test_the_report_shows_every_name_whole_in_table_and_chart():
    # GIVEN employees named in several scripts, one name longer than its column
    long_name = "Анна-Мария Вишневская Константинопольская Ωmega Σοφία"
    paystubs = [paystub_of(f"E{n}", name, "8", "50") for n, name in enumerate([*NAMES, long_name])]
    rows = read_rollup(rollup_csv(paystubs))
    # WHEN the report is drawn
    pdf = render_report(rows, "Payroll run for s3://raw/week.csv")
    text = pdf_text(pdf)
    # THEN every name reads back as written (the long one wrapped, not cut)
    for name in NAMES:
        assert name in text
    assert long_name in text.replace("\n", " ")
    assert all("DejaVuSans" in font for font in font_names(pdf)), font_names(pdf)


def test_amounts_have_thousands_separators_in_the_report_chart_too():
    # GIVEN gross pays in the tens of thousands
    paystubs = [paystub_of(f"E{n}", f"Name {n}", "24", str(400 * n)) for n in range(1, 4)]
    rows = read_rollup(rollup_csv(paystubs))
    # WHEN the report is drawn
    text = pdf_text(render_report(rows, "Payroll run"))
    # THEN the chart's value axis writes its amounts with separators as the tables do
    assert chart_amount(12345.0) == "$12,345"
    assert "$10,000" in text
    assert "$10000" not in text


def test_csv_outputs_keep_formulas_as_text_and_amounts_as_numbers():
    # GIVEN an employee whose name is a formula, and withholdings above the gross (net < 0)
    heavy = WithholdingRates(Decimal("0.5"), Decimal("0.4"), Decimal("0.3"))
    name = '=HYPERLINK("http://x","y")'
    paystub = compute_paystub(
        [
            TimesheetEntry("E1", name, date(2026, 11, 2), "-DEV", Decimal(8), Decimal(50)),
            TimesheetEntry("E1", name, date(2026, 11, 3), "@OPS", Decimal(2), Decimal(40)),
        ],
        heavy,
    )
    assert paystub.net_pay < 0
    # WHEN the rollup and the report CSV are written
    rollup = rollup_csv([paystub])
    report = report_csv(read_rollup(rollup))
    # THEN the formula cells start with a quote (shown as text) ...
    rollup_row = list(csv.reader(io.StringIO(rollup)))[1]
    report_row = list(csv.reader(io.StringIO(report)))[1]
    assert rollup_row[1] == report_row[1] == '\'=HYPERLINK("http://x","y")'
    assert rollup_row[4] == "'-DEV @OPS"
    # ... the negative net pay stays a number, in both
    assert rollup_row[-1] == report_row[-1] == str(paystub.net_pay)
    assert list(csv.reader(io.StringIO(report)))[-1][-1] == str(paystub.net_pay)
    # AND the rollup reads back as written, for the report
    assert read_rollup(rollup)[0].employee_name == '=HYPERLINK("http://x","y")'
    assert read_rollup(rollup)[0].job_codes == "-DEV @OPS"
