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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from common.spreadsheet import csv_writer, looks_neutralised, unneutralised
from payroll.models import InvalidPayrollFile

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


# -- The file as a whole ----------------------------------------------------------------------


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


# -- One cell: the column rules ---------------------------------------------------------------


class _CellFault(ValueError):
    """What is wrong with one cell, in words that never repeat its value."""


def _employee_id(text: str, limits: TimesheetLimits) -> str:
    if not EMPLOYEE_ID.fullmatch(text):
        raise _CellFault("not an employee id (letters, digits, '.', '_' or '-')")
    return text


def _label(empty: str) -> Callable[[str, TimesheetLimits], str]:
    """A free-text column (a name, a job code) that `empty` describes the lack of."""

    def read(text: str, limits: TimesheetLimits) -> str:
        if not text:
            raise _CellFault(empty)
        if looks_neutralised(text):
            # Our CSV outputs write such a text the same way as a neutralised formula.
            raise _CellFault("a quote before =, +, -, @, tab or return")
        return text

    return read


def _day(text: str, limits: TimesheetLimits) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _CellFault("not a date (YYYY-MM-DD)") from None


def _amount(text: str, limits: TimesheetLimits) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _CellFault("not a number") from None
    # Only a long text or an exponent can hold more digits than the arithmetic carries.
    long = len(text) > MAX_INTEGER_DIGITS or "e" in text or "E" in text
    if not value.is_finite():
        raise _CellFault("not a number")
    if long and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise _CellFault(f"too large to compute with (more than {MAX_INTEGER_DIGITS} digits)")
    if long and len(value.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        raise _CellFault(f"more digits than payroll computes with ({MAX_SIGNIFICANT_DIGITS})")
    if value < 0:
        raise _CellFault("negative")
    return value


def _hourly_rate(text: str, limits: TimesheetLimits) -> Decimal:
    rate = _amount(text, limits)
    if rate > limits.max_hourly_rate:
        raise _CellFault(
            f"above the ceiling of {limits.max_hourly_rate:,} an hour (PAYROLL_MAX_HOURLY_RATE)"
        )
    return rate


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    read: Callable[[str, TimesheetLimits], Any]  # the cell's value, or _CellFault
    # What a refused cell counts as in the checks across rows (None: its text).
    instead: Any = None


COLUMNS = (
    _Column("employee_id", _employee_id),
    _Column("employee_name", _label("the name is empty")),
    _Column("date", _day, instead=date.min),
    _Column("job_code", _label("the job code is empty")),
    _Column("hours", _amount, instead=Decimal(0)),
    _Column("hourly_rate", _hourly_rate, instead=Decimal(0)),
)
HEADER = tuple(column.name for column in COLUMNS)


@dataclass(frozen=True, slots=True)
class _Fault:
    line: int
    # A line's faults are listed as its checks run: its cells left to right (an employee's
    # other name with the name), then the checks across rows (_AFTER_CELLS onwards).
    step: int
    message: str


_AFTER_CELLS = len(HEADER) + 1


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    entry: TimesheetEntry
    refused: frozenset[str]  # the columns whose cell was refused


def _read_row(
    cells: Sequence[str], line: int, limits: TimesheetLimits
) -> tuple[_Row, list[_Fault]]:
    values, faults, refused = [], [], set()
    for number, (column, cell) in enumerate(zip(COLUMNS, cells, strict=True), start=1):
        text = cell.strip()
        try:
            values.append(column.read(text, limits))
        except _CellFault as fault:
            faults.append(_Fault(line, number, f"{_where(line, number)}: {fault}"))
            refused.add(column.name)
            values.append(text if column.instead is None else column.instead)
    return _Row(line, TimesheetEntry(*values), frozenset(refused)), faults


def _read_rows(reader: Any, limits: TimesheetLimits) -> tuple[list[_Row], list[_Fault]]:
    """Every row of the file with the faults of its cells, after the header."""
    rows: list[_Row] = []
    faults: list[_Fault] = []
    try:
        _check_header(next(reader))
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines carry nothing
            if len(cells) != len(COLUMNS):
                column = min(len(cells), len(COLUMNS)) + 1
                message = f"line {line}, column {column}: {len(cells)} columns, expected 6"
                faults.append(_Fault(line, column, message))
                continue
            row, row_faults = _read_row(cells, line, limits)
            rows.append(row)
            faults += row_faults
    except StopIteration:
        raise InvalidPayrollFile("line 1, column 1: the file is empty") from None
    except csv.Error as error:
        # The csv module does not say where in the line; its reason names no cell value.
        line = reader.line_num
        faults.append(_Fault(line, 0, f"line {line}: not valid CSV ({error})"))
    return rows, faults


# -- Across rows ------------------------------------------------------------------------------


def _other_names(rows: Iterable[_Row]) -> list[_Fault]:
    """An employee named otherwise than on their first line (a refused name is not compared)."""
    first: dict[str, _Row] = {}
    faults = []
    for row in rows:
        if "employee_name" in row.refused:
            continue
        earlier = first.setdefault(row.entry.employee_id, row)
        if earlier.entry.employee_name != row.entry.employee_name:
            faults.append(
                _Fault(
                    row.line,
                    2,
                    f"{_where(row.line, 2)}: another name than on line {earlier.line} "
                    "for the same employee_id",
                )
            )
    return faults


def _repeats(rows: Iterable[_Row]) -> list[_Fault]:
    """A line of the same employee, date and job code as an earlier one (dates that could not
    be read are not compared)."""
    first_line_of: dict[tuple[str, date, str], int] = {}
    faults = []
    for row in rows:
        work = (row.entry.employee_id, row.entry.date, row.entry.job_code)
        if work in first_line_of and row.entry.date != date.min:
            faults.append(
                _Fault(
                    row.line,
                    _AFTER_CELLS,
                    f"{_where(row.line, 4)}: repeats line {first_line_of[work]} "
                    "(same employee_id, date and job_code)",
                )
            )
        else:
            first_line_of.setdefault(work, row.line)
    return faults


def _long_days(rows: Iterable[_Row]) -> list[_Fault]:
    """More than MAX_HOURS_A_DAY hours on one day for one employee, named at the day's last
    line with the others of that day."""
    days: dict[tuple[str, date], list[_Row]] = {}
    for row in rows:
        days.setdefault((row.entry.employee_id, row.entry.date), []).append(row)
    faults = []
    for (_, worked_on), worked in days.items():
        if worked_on == date.min or sum(row.entry.hours for row in worked) <= MAX_HOURS_A_DAY:
            continue
        lines = [row.line for row in worked]
        others = ""
        if len(lines) > 1:
            others = f" (with line{'s' if len(lines) > 2 else ''} {_lines(lines[:-1])})"
        message = (
            f"{_where(lines[-1], 5)}: more than {MAX_HOURS_A_DAY} hours in one day "
            f"for one employee{others}"
        )
        faults.append(_Fault(lines[-1], _AFTER_CELLS + 1, message))
    return faults


def _refusal(faults: list[_Fault]) -> InvalidPayrollFile:
    ordered = sorted(faults, key=lambda fault: (fault.line, fault.step))
    messages = [fault.message for fault in ordered]
    shown = "; ".join(messages[:MAX_ERRORS_REPORTED])
    more = len(messages) - MAX_ERRORS_REPORTED
    return InvalidPayrollFile(shown + (f"; and {more} more" if more > 0 else ""))


def parse_timesheet(data: bytes, limits: TimesheetLimits) -> list[TimesheetEntry]:
    """Every entry of a raw file, or InvalidPayrollFile naming each bad line and column."""
    reader = csv.reader(io.StringIO(_text(data, limits), newline=""), strict=True)
    rows, faults = _read_rows(reader, limits)
    faults += _other_names(rows) + _repeats(rows) + _long_days(rows)
    if not faults and not rows:
        faults.append(_Fault(2, 1, "line 2, column 1: the file has a header but no timesheet rows"))
    if faults:
        raise _refusal(faults)
    return [row.entry for row in rows]


def file_faults(message: str) -> str:
    """A refused file's message as it may be shown: where (line, column, field) and what is
    wrong, every quoted cell value withheld (this parser quotes none; a future message might)."""
    return _QUOTED.sub("(value withheld)", message)


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
