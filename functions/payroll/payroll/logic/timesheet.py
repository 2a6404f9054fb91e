"""Reading a raw timesheet file: validate all of it, then split it by employee and by batch.

A raw file is a CSV with the header `employee_id,employee_name,date,job_code,hours,hourly_rate`
and one row per job worked. Nothing is accepted until every line has been checked, so a bad
file is rejected whole, with every fault named by line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from payroll.models import InvalidPayrollFile

HEADER = ("employee_id", "employee_name", "date", "job_code", "hours", "hourly_rate")
# Employee ids become S3 key parts: keep them to characters that need no escaping.
EMPLOYEE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_ERRORS_REPORTED = 20


@dataclass(frozen=True, slots=True)
class TimesheetEntry:
    employee_id: str
    employee_name: str
    date: date
    job_code: str
    hours: Decimal
    hourly_rate: Decimal

    def as_row(self) -> tuple[str, ...]:
        return (
            self.employee_id,
            self.employee_name,
            self.date.isoformat(),
            self.job_code,
            str(self.hours),
            str(self.hourly_rate),
        )


def _where(line: int, column: int) -> str:
    return f"line {line}, column {column} ({HEADER[column - 1]})"


def _amount(text: str, line: int, column: int, errors: list[str]) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(f"{_where(line, column)}: {text!r} is not a number")
        return Decimal(0)
    if not value.is_finite():
        errors.append(f"{_where(line, column)}: {text!r} is not a number")
    elif value < 0:
        errors.append(f"{_where(line, column)}: {text!r} is negative")
    return value


def _day(text: str, line: int, column: int, errors: list[str]) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{_where(line, column)}: {text!r} is not a date (YYYY-MM-DD)")
        return date.min


def _text(data: bytes) -> str:
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
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidPayrollFile(f"line {line}: not a CSV text file (binary data)")
    return text


def _check_header(header: Sequence[str]) -> None:
    found = [name.strip() for name in header]
    for column, expected in enumerate(HEADER, start=1):
        if column > len(found):
            raise InvalidPayrollFile(f"line 1, column {column}: header {expected!r} is missing")
        if found[column - 1] != expected:
            raise InvalidPayrollFile(
                f"line 1, column {column}: header should be {expected!r}, "
                f"found {found[column - 1]!r}"
            )
    if len(found) > len(HEADER):
        raise InvalidPayrollFile(
            f"line 1, column {len(HEADER) + 1}: unexpected header {found[len(HEADER)]!r}"
        )


def parse_timesheet(data: bytes) -> list[TimesheetEntry]:
    """Every entry of a raw file, or InvalidPayrollFile naming each bad line and column."""
    reader = csv.reader(io.StringIO(_text(data), newline=""), strict=True)
    errors: list[str] = []
    entries: list[TimesheetEntry] = []
    names: dict[str, tuple[str, int]] = {}
    try:
        _check_header(next(reader))
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines carry nothing
            if len(row) != len(HEADER):
                errors.append(f"line {line}: {len(row)} columns, expected {len(HEADER)}")
                continue
            employee_id, name, day, job_code, hours, rate = (cell.strip() for cell in row)
            if not EMPLOYEE_ID.fullmatch(employee_id):
                errors.append(
                    f"{_where(line, 1)}: {employee_id!r} is not an employee id "
                    "(letters, digits, '.', '_' or '-')"
                )
            if not name:
                errors.append(f"{_where(line, 2)}: the name is empty")
            elif employee_id in names and names[employee_id][0] != name:
                # Names stay out of the message: it is logged and notified.
                errors.append(
                    f"{_where(line, 2)}: employee {employee_id} has another name on line "
                    f"{names[employee_id][1]}"
                )
            else:
                names.setdefault(employee_id, (name, line))
            worked_on = _day(day, line, 3, errors)
            if not job_code:
                errors.append(f"{_where(line, 4)}: the job code is empty")
            entry = TimesheetEntry(
                employee_id,
                name,
                worked_on,
                job_code,
                _amount(hours, line, 5, errors),
                _amount(rate, line, 6, errors),
            )
            entries.append(entry)
    except StopIteration:
        raise InvalidPayrollFile("line 1, column 1: the file is empty") from None
    except csv.Error as error:
        errors.append(f"line {reader.line_num}: not valid CSV ({error})")
    if not errors and not entries:
        errors.append("line 2: the file has a header but no timesheet rows")
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_REPORTED])
        more = len(errors) - MAX_ERRORS_REPORTED
        raise InvalidPayrollFile(shown + (f"; and {more} more" if more > 0 else ""))
    return entries


def by_employee(entries: Iterable[TimesheetEntry]) -> dict[str, list[TimesheetEntry]]:
    """Entries per employee id, in the order employees first appear."""
    grouped: dict[str, list[TimesheetEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.employee_id, []).append(entry)
    return grouped


def to_csv(entries: Iterable[TimesheetEntry]) -> str:
    """Entries as a timesheet CSV with the raw file's header (what processed files hold)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(entry.as_row() for entry in entries)
    return out.getvalue()


def in_batches(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
