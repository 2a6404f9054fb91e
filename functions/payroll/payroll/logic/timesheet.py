"""Reading a raw timesheet file: validate all of it, then split it by employee and by batch.

A raw file is a CSV with the header `employee_id,employee_name,date,job_code,hours,hourly_rate`
and one row per job an employee worked on a day. Nothing is accepted until every line has been
checked, so a bad file is rejected whole, with every fault named by line and column. Messages
never repeat a cell's value: they are logged and notified, and cells hold personal data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from common.spreadsheet import csv_writer
from payroll.models import InvalidPayrollFile

HEADER = ("employee_id", "employee_name", "date", "job_code", "hours", "hourly_rate")
# Employee ids become S3 key parts: keep them to characters that need no escaping.
EMPLOYEE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_ERRORS_REPORTED = 20
MAX_HOURS_A_DAY = Decimal(24)
# What the pay arithmetic (28 significant digits, amounts in cents) carries exactly, with room
# for the overtime multiplier and a run's totals: larger or longer numbers are refused here,
# not left to fail or round inside GeneratePaystubs.
MAX_INTEGER_DIGITS = 12
MAX_SIGNIFICANT_DIGITS = 28
LARGEST_AMOUNT = Decimal(10) ** MAX_INTEGER_DIGITS
# The spreadsheet-safe writer prefixes a quote to text starting with these; reading our own
# files back takes it off again (common.spreadsheet).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A value a message quotes ('thirty', "O'Brien"): a cell of the file, so maybe personal data.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True, slots=True)
class TimesheetLimits:
    """What a raw file may hold beyond its format: the settings of ProcessData."""

    max_hourly_rate: Decimal
    max_file_bytes: int


@dataclass(frozen=True, slots=True)
class TimesheetEntry:
    employee_id: str
    employee_name: str
    date: date
    job_code: str
    hours: Decimal
    hourly_rate: Decimal

    def as_row(self) -> tuple[str | Decimal, ...]:
        return (
            self.employee_id,
            self.employee_name,
            self.date.isoformat(),
            self.job_code,
            self.hours,
            self.hourly_rate,
        )


def _where(line: int, column: int) -> str:
    return f"line {line}, column {column} ({HEADER[column - 1]})"


def _lines(numbers: Sequence[int]) -> str:
    shown = [str(number) for number in numbers]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]


def _amount(text: str, line: int, column: int, errors: list[tuple[int, str]]) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    # Only a long text or an exponent can hold more digits than the arithmetic carries.
    long = len(text) > MAX_INTEGER_DIGITS or "e" in text or "E" in text
    if not value.is_finite():
        fault = "not a number"
    elif long and value.adjusted() >= MAX_INTEGER_DIGITS:
        fault = f"too large to compute with (more than {MAX_INTEGER_DIGITS} digits)"
    elif long and len(value.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        fault = f"more digits than payroll computes with ({MAX_SIGNIFICANT_DIGITS})"
    elif value < 0:
        fault = "negative"
    else:
        return value
    errors.append((line, f"{_where(line, column)}: {fault}"))
    return Decimal(0)


def _day(text: str, line: int, column: int, errors: list[tuple[int, str]]) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append((line, f"{_where(line, column)}: not a date (YYYY-MM-DD)"))
        return date.min


def _text(data: bytes, limits: TimesheetLimits) -> str:
    if len(data) > limits.max_file_bytes:
        raise InvalidPayrollFile(
            f"line 1, column 1: the file is larger than the limit of {limits.max_file_bytes:,} "
            "bytes (PAYROLL_MAX_FILE_BYTES); split it into smaller files"
        )
    if not data.strip():
        raise InvalidPayrollFile("line 1, column 1: the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InvalidPayrollFile(
            f"line {line}, column {column}: not a CSV text file (invalid UTF-8)"
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise InvalidPayrollFile(f"line {line}, column {column}: not a CSV text file (binary data)")
    return text


def _check_header(header: Sequence[str]) -> None:
    found = [name.strip() for name in header]
    for column, expected in enumerate(HEADER, start=1):
        if column > len(found):
            raise InvalidPayrollFile(f"line 1, column {column}: header {expected!r} is missing")
        if found[column - 1] != expected:
            raise InvalidPayrollFile(f"line 1, column {column}: header should be {expected!r}")
    if len(found) > len(HEADER):
        raise InvalidPayrollFile(f"line 1, column {len(HEADER) + 1}: one column too many")


def _looks_neutralised(text: str) -> bool:
    return text.startswith("'") and text[1:].startswith(_FORMULA_STARTS)


def parse_timesheet(data: bytes, limits: TimesheetLimits) -> list[TimesheetEntry]:
    """Every entry of a raw file, or InvalidPayrollFile naming each bad line and column."""
    reader = csv.reader(io.StringIO(_text(data, limits), newline=""), strict=True)
    errors: list[tuple[int, str]] = []
    entries: list[TimesheetEntry] = []
    names: dict[str, tuple[str, int]] = {}
    first_line_of: dict[tuple[str, date, str], int] = {}
    days: dict[tuple[str, date], list[tuple[int, Decimal]]] = {}
    try:
        _check_header(next(reader))
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines carry nothing
            if len(row) != len(HEADER):
                column = min(len(row), len(HEADER)) + 1
                errors.append(
                    (line, f"line {line}, column {column}: {len(row)} columns, expected 6")
                )
                continue
            employee_id, name, day, job_code, hours, rate = (cell.strip() for cell in row)
            if not EMPLOYEE_ID.fullmatch(employee_id):
                errors.append(
                    (
                        line,
                        f"{_where(line, 1)}: not an employee id (letters, digits, '.', '_' or '-')",
                    )
                )
            if not name:
                errors.append((line, f"{_where(line, 2)}: the name is empty"))
            elif _looks_neutralised(name):
                # Our CSV outputs write such a name the same way as a neutralised formula.
                errors.append(
                    (line, f"{_where(line, 2)}: a quote before =, +, -, @, tab or return")
                )
            elif employee_id in names and names[employee_id][0] != name:
                errors.append(
                    (
                        line,
                        f"{_where(line, 2)}: another name than on line {names[employee_id][1]} "
                        "for the same employee_id",
                    )
                )
            else:
                names.setdefault(employee_id, (name, line))
            worked_on = _day(day, line, 3, errors)
            if not job_code:
                errors.append((line, f"{_where(line, 4)}: the job code is empty"))
            elif _looks_neutralised(job_code):
                errors.append(
                    (line, f"{_where(line, 4)}: a quote before =, +, -, @, tab or return")
                )
            worked = _amount(hours, line, 5, errors)
            hourly_rate = _amount(rate, line, 6, errors)
            if hourly_rate > limits.max_hourly_rate:
                errors.append(
                    (
                        line,
                        f"{_where(line, 6)}: above the ceiling of "
                        f"{limits.max_hourly_rate:,} an hour (PAYROLL_MAX_HOURLY_RATE)",
                    )
                )
            work = (employee_id, worked_on, job_code)
            if work in first_line_of and worked_on != date.min:
                errors.append(
                    (
                        line,
                        f"{_where(line, 4)}: repeats line {first_line_of[work]} "
                        "(same employee_id, date and job_code)",
                    )
                )
            else:
                first_line_of.setdefault(work, line)
            days.setdefault((employee_id, worked_on), []).append((line, worked))
            entries.append(
                TimesheetEntry(employee_id, name, worked_on, job_code, worked, hourly_rate)
            )
    except StopIteration:
        raise InvalidPayrollFile("line 1, column 1: the file is empty") from None
    except csv.Error as error:
        # The csv module does not say where in the line; its reason names no cell value.
        errors.append((reader.line_num, f"line {reader.line_num}: not valid CSV ({error})"))
    for (_, worked_on), worked in days.items():
        if worked_on != date.min and sum(hours for _, hours in worked) > MAX_HOURS_A_DAY:
            lines = [line for line, _ in worked]
            others = ""
            if len(lines) > 1:
                others = f" (with line{'s' if len(lines) > 2 else ''} {_lines(lines[:-1])})"
            errors.append(
                (
                    lines[-1],
                    f"{_where(lines[-1], 5)}: more than {MAX_HOURS_A_DAY} hours in one day "
                    f"for one employee{others}",
                )
            )
    if not errors and not entries:
        errors.append((2, "line 2, column 1: the file has a header but no timesheet rows"))
    if errors:
        messages = [message for _, message in sorted(errors, key=lambda error: error[0])]
        shown = "; ".join(messages[:MAX_ERRORS_REPORTED])
        more = len(messages) - MAX_ERRORS_REPORTED
        raise InvalidPayrollFile(shown + (f"; and {more} more" if more > 0 else ""))
    return entries


def file_faults(message: str) -> str:
    """A refused file's message as it may be shown: where (line, column, field) and what is
    wrong, every quoted cell value withheld (this parser quotes none; a future message might)."""
    return _QUOTED.sub("(value withheld)", message)


def unneutralised(cell: str) -> str:
    """A text cell of a CSV this workflow wrote, as it was before the spreadsheet quote."""
    return cell[1:] if _looks_neutralised(cell) else cell


def read_processed(data: bytes) -> list[TimesheetEntry]:
    """The entries of a processed file (to_csv), already validated by ProcessData."""
    reader = csv.reader(io.StringIO(data.decode(), newline=""), strict=True)
    if tuple(next(reader)) != HEADER:
        raise ValueError("not a processed timesheet file")
    return [
        TimesheetEntry(
            employee_id,
            unneutralised(name),
            date.fromisoformat(day),
            unneutralised(job_code),
            Decimal(hours),
            Decimal(rate),
        )
        for employee_id, name, day, job_code, hours, rate in reader
    ]


def by_employee(entries: Iterable[TimesheetEntry]) -> dict[str, list[TimesheetEntry]]:
    """Entries per employee id, in the order employees first appear."""
    grouped: dict[str, list[TimesheetEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.employee_id, []).append(entry)
    return grouped


def to_csv(entries: Iterable[TimesheetEntry]) -> str:
    """Entries as a timesheet CSV with the raw file's header (what processed files hold), safe
    to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(HEADER)
    writer.writerows(entry.as_row() for entry in entries)
    return out.getvalue()


def in_batches(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
