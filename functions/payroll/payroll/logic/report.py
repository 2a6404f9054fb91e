"""The payroll report: totals, a table of every employee, and a chart of gross pay."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.paragraph import Paragraph

from common.spreadsheet import csv_writer
from payroll.logic.earnings import PAY_FIGURES, PayFigures
from payroll.logic.fonts import BOLD, REGULAR
from payroll.logic.paystub_pdf import hours, money
from payroll.logic.rollup import RollupRow

CHART_BARS = 15
CHART_FONT_SIZE = 7
CHART_LABEL_WIDTH = 160  # the bars start 170 points in
NAME_WIDTH = 1.9 * inch
TABLE_ROWS_PER_CHUNK = 40  # small tables split across pages far faster than one huge one


@dataclass(frozen=True, slots=True, kw_only=True)
class PayrollTotals(PayFigures):
    employees: int


def totals(rows: Sequence[RollupRow]) -> PayrollTotals:
    def total(name: str) -> Decimal:
        return sum((getattr(row, name) for row in rows), Decimal(0))

    return PayrollTotals(employees=len(rows), **{name: total(name) for name in PAY_FIGURES})


def chart_bars(rows: Sequence[RollupRow]) -> list[tuple[str, Decimal]]:
    """Gross pay by employee: the largest ones, the rest summed into one bar."""
    ranked = sorted(rows, key=lambda row: (-row.gross_pay, row.employee_id))
    bars = [(f"{row.employee_name} ({row.employee_id})", row.gross_pay) for row in ranked]
    if len(bars) > CHART_BARS:
        rest = sum((amount for _, amount in bars[CHART_BARS - 1 :]), Decimal(0))
        bars = [*bars[: CHART_BARS - 1], (f"{len(bars) - CHART_BARS + 1} others", rest)]
    return bars


def chart_amount(value: float) -> str:
    """A value axis label: whole dollars with thousands separators."""
    return f"${value:,.0f}"


def _fitted(label: str, width: float) -> str:
    """The label, shortened with an ellipsis if it is wider than the chart leaves for it."""
    if stringWidth(label, REGULAR, CHART_FONT_SIZE) <= width:
        return label
    while label and stringWidth(label + "…", REGULAR, CHART_FONT_SIZE) > width:
        label = label[:-1]
    return label + "…"


def _styles() -> StyleSheet1:
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = BOLD if "Bold" in getattr(style, "fontName", "") else REGULAR
    return styles


def _chart(rows: Sequence[RollupRow]) -> Drawing:
    bars = chart_bars(rows)
    height = 40 + 18 * len(bars)
    drawing = Drawing(6.5 * inch, height, initialFontName=REGULAR)
    drawing.add(String(0, height - 12, "Gross pay by employee", fontName=BOLD))
    chart = HorizontalBarChart()
    chart.x, chart.y = 170, 20
    chart.width, chart.height = 6.5 * inch - 190, height - 45
    # Largest bar at the top: the chart draws its first category at the bottom.
    chart.data = [[float(amount) for _, amount in reversed(bars)]]
    chart.categoryAxis.categoryNames = [
        _fitted(label, CHART_LABEL_WIDTH) for label, _ in reversed(bars)
    ]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = CHART_FONT_SIZE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = CHART_FONT_SIZE
    chart.valueAxis.labelTextFormat = chart_amount
    chart.bars[0].fillColor = colors.HexColor("#2b6cb0")
    drawing.add(chart)
    return drawing


def _name_cell(name: str, style) -> str | Paragraph:
    """The whole name: as plain text when it fits its column, else wrapped on more lines."""
    if stringWidth(name, REGULAR, style.fontSize) <= NAME_WIDTH - 6:
        return name
    return Paragraph(escape(name), style)


def render_report(rows: Sequence[RollupRow], run: str) -> bytes:
    styles = _styles()
    story: list = [
        Paragraph("Payroll report", styles["Title"]),
        Paragraph(escape(run), styles["Normal"]),
        Spacer(1, 12),
    ]
    if rows:
        story.append(
            Paragraph(
                f"Pay period {rows[0].period_start} to {rows[0].period_end}", styles["Normal"]
            )
        )
    story += [Spacer(1, 12), Paragraph("Totals", styles["Heading2"]), _totals_table(rows)]
    story += [Spacer(1, 18), _chart(rows), Spacer(1, 18)]
    story.append(Paragraph("Employees", styles["Heading2"]))
    name_style = styles["Normal"].clone("Name", fontSize=8, leading=9)
    story += _employee_tables(rows, name_style)
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=LETTER,
        title="Payroll report",
        leftMargin=54,
        rightMargin=54,
        initialFontName=REGULAR,  # or each page names Helvetica in its resources
    ).build(story)
    return out.getvalue()


def _totals_table(rows: Sequence[RollupRow]) -> Table:
    summary = totals(rows)
    figures = [
        ("Employees", f"{summary.employees:,}"),
        ("Regular hours", hours(summary.regular_hours)),
        ("Overtime hours", hours(summary.overtime_hours)),
        ("Regular pay", money(summary.regular_pay)),
        ("Overtime pay", money(summary.overtime_pay)),
        ("Gross pay", money(summary.gross_pay)),
        ("Social Security", money(summary.social_security)),
        ("Medicare", money(summary.medicare)),
        ("Income tax", money(summary.income_tax)),
        ("Net pay", money(summary.net_pay)),
    ]
    table = Table(figures, colWidths=[2 * inch, 1.6 * inch], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTNAME", (0, -1), (-1, -1), BOLD),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ]
        )
    )
    return table


_EMPLOYEE_HEADER = ("Employee", "Name", "Reg. hours", "OT hours", "Gross", "Withheld", "Net")
_EMPLOYEE_STYLE = [
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ("TOPPADDING", (0, 0), (-1, -1), 1),
]


def _employee_tables(rows: Sequence[RollupRow], name_style: ParagraphStyle) -> list[Table]:
    """One line per employee, in tables of TABLE_ROWS_PER_CHUNK lines each."""
    style = TableStyle(_EMPLOYEE_STYLE)
    widths = [0.9 * inch, NAME_WIDTH, 0.75 * inch, 0.7 * inch, 0.85 * inch, 0.8 * inch, 0.85 * inch]
    tables = []
    for start in range(0, len(rows), TABLE_ROWS_PER_CHUNK):
        chunk = [
            (
                row.employee_id,
                _name_cell(row.employee_name, name_style),
                hours(row.regular_hours),
                hours(row.overtime_hours),
                money(row.gross_pay),
                money(row.withholdings),
                money(row.net_pay),
            )
            for row in rows[start : start + TABLE_ROWS_PER_CHUNK]
        ]
        table = Table([_EMPLOYEE_HEADER, *chunk], colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(style)
        tables.append(table)
    return tables


REPORT_CSV_HEADER = (
    "employee_id",
    "employee_name",
    "regular_hours",
    "overtime_hours",
    "regular_pay",
    "overtime_pay",
    "gross_pay",
    "withholdings",
    "net_pay",
)


def report_csv(rows: Sequence[RollupRow]) -> str:
    """Per-employee figures and a final TOTAL row."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(REPORT_CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.employee_id,
                row.employee_name,
                row.regular_hours,
                row.overtime_hours,
                row.regular_pay,
                row.overtime_pay,
                row.gross_pay,
                row.withholdings,
                row.net_pay,
            )
        )
    summary = totals(rows)
    writer.writerow(
        (
            "TOTAL",
            f"{summary.employees} employees",
            summary.regular_hours,
            summary.overtime_hours,
            summary.regular_pay,
            summary.overtime_pay,
            summary.gross_pay,
            summary.social_security + summary.medicare + summary.income_tax,
            summary.net_pay,
        )
    )
    return out.getvalue()
