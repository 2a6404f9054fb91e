"""One paystub as a one-page PDF, drawn straight onto a reportlab canvas.

Thousands are drawn per run, so this draws with the canvas's primitives rather than laying out
flowables, in DejaVu Sans (payroll.logic.fonts) so that any Latin, Greek or Cyrillic name shows
as written.
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from payroll.logic.earnings import Paystub
from payroll.logic.fonts import BOLD, REGULAR

LEFT, RIGHT = 54, LETTER[0] - 54
ROW = 15


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def hours(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def render_paystub(paystub: Paystub, employer: str = "Payroll") -> bytes:
    out = io.BytesIO()
    # Uncompressed pages: a paystub is small, and zlib would cost more time than it saves.
    # The initial font too, or the standard Helvetica is listed in the page's resources.
    pdf = Canvas(out, pagesize=LETTER, pageCompression=0, initialFontName=REGULAR)
    pdf.setTitle(f"Paystub {paystub.employee_id} {paystub.period_start}..{paystub.period_end}")
    pdf.setAuthor(employer)
    y = _heading(pdf, paystub, employer, LETTER[1] - 72)
    y = _jobs(pdf, paystub, y - 12)
    _summary(pdf, paystub, y)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _heading(pdf: Canvas, paystub: Paystub, employer: str, y: float) -> float:
    """The title, the employer, who is paid and for which period; returns the next line's y."""
    pdf.setFont(BOLD, 18)
    pdf.drawString(LEFT, y, "Paystub")
    pdf.setFont(REGULAR, 10)
    pdf.drawRightString(RIGHT, y, employer)
    y -= 28
    for label, value in (
        ("Employee", f"{paystub.employee_name} ({paystub.employee_id})"),
        ("Pay period", f"{paystub.period_start.isoformat()} to {paystub.period_end.isoformat()}"),
    ):
        pdf.setFont(BOLD, 10)
        pdf.drawString(LEFT, y, f"{label}:")
        pdf.setFont(REGULAR, 10)
        pdf.drawString(LEFT + 80, y, value)
        y -= ROW
    return y


def _jobs(pdf: Canvas, paystub: Paystub, y: float) -> float:
    """One line per job code: rate, hours and amount; returns the next line's y."""
    # DejaVu Sans is wider than Helvetica: 100 points between right-aligned columns.
    columns = (LEFT, LEFT + 100, LEFT + 200, LEFT + 300, LEFT + 400, RIGHT)
    pdf.setFont(BOLD, 10)
    pdf.drawString(columns[0], y, "Job code")
    for x, title in zip(
        columns[2:], ("Rate", "Regular hours", "Overtime hours", "Amount"), strict=True
    ):
        pdf.drawRightString(x, y, title)
    y -= 4
    pdf.line(LEFT, y, RIGHT, y)
    y -= ROW - 2
    pdf.setFont(REGULAR, 10)
    for job in paystub.jobs:
        pdf.drawString(columns[0], y, job.job_code)
        pdf.drawRightString(columns[2], y, money(job.hourly_rate))
        pdf.drawRightString(columns[3], y, hours(job.regular_hours))
        pdf.drawRightString(columns[4], y, hours(job.overtime_hours))
        pdf.drawRightString(columns[5], y, money(job.regular_pay + job.overtime_pay))
        y -= ROW
        if y < 260:  # many jobs: the summary below still has to fit on the page
            pdf.showPage()
            pdf.setFont(REGULAR, 10)
            y = LETTER[1] - 72
    return y


def _summary(pdf: Canvas, paystub: Paystub, y: float) -> None:
    """The period's hours, pay and withholdings, then the net pay."""
    y -= 4
    pdf.line(LEFT, y, RIGHT, y)
    y -= ROW + 6
    summary = (
        ("Regular hours", hours(paystub.regular_hours)),
        ("Overtime hours", hours(paystub.overtime_hours)),
        ("Regular pay", money(paystub.regular_pay)),
        ("Overtime pay", money(paystub.overtime_pay)),
        ("Gross pay", money(paystub.gross_pay)),
        ("Social Security", "-" + money(paystub.social_security)),
        ("Medicare", "-" + money(paystub.medicare)),
        ("Income tax", "-" + money(paystub.income_tax)),
    )
    for label, value in summary:
        pdf.drawString(LEFT + 270, y, label)
        pdf.drawRightString(RIGHT, y, value)
        y -= ROW
    y -= 4
    pdf.line(LEFT + 270, y, RIGHT, y)
    y -= ROW + 2
    pdf.setFont(BOLD, 12)
    pdf.drawString(LEFT + 270, y, "Net pay")
    pdf.drawRightString(RIGHT, y, money(paystub.net_pay))
