"""Validating a raw timesheet file, and splitting it per employee and per batch."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from common.spreadsheet import safe_cell
from payroll.logic.timesheet import (
    COLUMNS,
    TimesheetLimits,
    by_employee,
    in_batches,
    read_processed,
    to_csv,
)
from payroll.logic.timesheet import parse_timesheet as _parse
from payroll.models import InvalidPayrollFile

HEADER = "employee_id,employee_name,date,job_code,hours,hourly_rate\n"
LIMITS = TimesheetLimits(max_hourly_rate=Decimal(1000), max_file_bytes=1_000_000)


def parse_timesheet(data: bytes, limits: TimesheetLimits = LIMITS):
    return _parse(data, limits)


def rejection(data: bytes, limits: TimesheetLimits = LIMITS) -> str:
    with pytest.raises(InvalidPayrollFile) as raised:
        parse_timesheet(data, limits)
    return str(raised.value)


def test_a_valid_file_gives_every_entry():
    # GIVEN a file with two employees
    data = (HEADER + "E1,Ada,2026-11-02,DEV,8,50\nE2,Alan,2026-11-02,OPS,7.5,30.25\n").encode()
    # WHEN it is parsed
    entries = parse_timesheet(data)
    # THEN every row is an entry with typed values
    assert [e.employee_id for e in entries] == ["E1", "E2"]
    assert entries[1].date == date(2026, 11, 2)
    assert entries[1].hours == Decimal("7.5")
    assert entries[1].hourly_rate == Decimal("30.25")


def test_a_byte_order_mark_and_blank_lines_are_accepted():
    data = ("\ufeff" + HEADER + "E1,Ada,2026-11-02,DEV,8,50\n\n").encode()
    assert len(parse_timesheet(data)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1, column 1: the file is empty"),
        (b"   \n", "line 1, column 1: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "line 1, column 1: not a CSV text file"),
        (HEADER.encode(), "line 2, column 1: the file has a header but no timesheet rows"),
        (
            b"employee_id,name,date,job_code,hours,hourly_rate\nE1,Ada,2026-11-02,DEV,8,50\n",
            "line 1, column 2: header should be 'employee_name'",
        ),
        (
            b"employee_id,employee_name,date\nE1,Ada,2026-11-02\n",
            "line 1, column 4: header 'job_code' is missing",
        ),
    ],
)
def test_a_file_that_is_not_a_timesheet_is_rejected(data, message):
    with pytest.raises(InvalidPayrollFile) as raised:
        parse_timesheet(data)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("E1,Ada,2026-11-03,DEV,abc,50", "line 3, column 5 (hours): not a number"),
        ("E1,Ada,2026-11-03,DEV,NaN,50", "line 3, column 5 (hours): not a number"),
        ("E1,Ada,2026-11-03,DEV,-1,50", "line 3, column 5 (hours): negative"),
        ("E1,Ada,2026-11-03,DEV,8,-50", "line 3, column 6 (hourly_rate): negative"),
        ("E1,Ada,2026-13-02,DEV,8,50", "line 3, column 3 (date): not a date"),
        ("E1,Ada,02/11/2026,DEV,8,50", "line 3, column 3 (date): not a date"),
        ("E 1,Ada,2026-11-03,DEV,8,50", "line 3, column 1 (employee_id): not an employee id"),
        ("E1,,2026-11-03,DEV,8,50", "line 3, column 2 (employee_name): the name is empty"),
        ("E1,Ada,2026-11-03,,8,50", "line 3, column 4 (job_code): the job code is empty"),
        ("E1,Ada,2026-11-03,DEV,8", "line 3, column 6: 5 columns, expected 6"),
        ("E1,Ada,2026-11-03,DEV,8,50,x", "line 3, column 7: 7 columns, expected 6"),
        (
            "E1,Grace,2026-11-03,DEV,8,50",
            "line 3, column 2 (employee_name): another name than on line 2 for the same",
        ),
        # Bounds: a day's hours, the rate ceiling, and what the arithmetic can carry.
        ("E1,Ada,2026-11-03,DEV,24.01,50", "line 3, column 5 (hours): more than 24 hours"),
        ("E1,Ada,2026-11-03,DEV,8,1000.01", "line 3, column 6 (hourly_rate): above the ceiling"),
        (
            "E1,Ada,2026-11-03,DEV,8,1e1000000",
            "line 3, column 6 (hourly_rate): too large to compute with",
        ),
        (
            "E1,Ada,2026-11-03,DEV,99999999999999999999999999999999,50",
            "line 3, column 5 (hours): too large to compute with",
        ),
        (
            "E1,Ada,2026-11-03,DEV,8.00000000000000000000000000001,50",
            "line 3, column 5 (hours): more digits than payroll computes with",
        ),
        # A repeated row: the same employee, date and job code as line 2.
        ("E1,Ada,2026-11-02,DEV,8,50", "line 3, column 4 (job_code): repeats line 2"),
        ("E1,Ada,2026-11-02,DEV,2,55", "line 3, column 4 (job_code): repeats line 2"),
    ],
)
def test_a_bad_value_is_named_by_line_and_column(row, message):
    # GIVEN a good first row and a bad second one (line 3)
    data = (HEADER + "E1,Ada,2026-11-02,DEV,8,50\n" + row + "\n").encode()
    # WHEN it is parsed
    with pytest.raises(InvalidPayrollFile) as raised:
        parse_timesheet(data)
    # THEN the error names the line and column, never the cell's value
    assert message in str(raised.value)
    for cell in row.split(",")[1:]:
        if len(cell) > 2 and cell not in ("Ada", "DEV", "2026-11-02", "2026-11-03"):
            assert cell not in str(raised.value)


def test_every_bad_line_is_reported_at_once():
    data = (HEADER + "E1,Ada,2026-11-02,DEV,x,50\nE2,Alan,2026-11-02,OPS,8,y\n").encode()
    with pytest.raises(InvalidPayrollFile) as raised:
        parse_timesheet(data)
    assert "line 2, column 5 (hours)" in str(raised.value)
    assert "line 3, column 6 (hourly_rate)" in str(raised.value)


def test_entries_split_per_employee_and_in_batches_round_trip():
    # GIVEN three employees' interleaved rows
    data = (
        HEADER
        + "E1,Ada,2026-11-02,DEV,8,50\nE2,Alan,2026-11-02,OPS,8,30\n"
        + "E1,Ada,2026-11-03,DEV,4,50\nE3,Grace,2026-11-03,QA,6,40\n"
    ).encode()
    employees = by_employee(parse_timesheet(data))
    # THEN each employee's rows are kept together, in order of first appearance
    assert list(employees) == ["E1", "E2", "E3"]
    assert [e.hours for e in employees["E1"]] == [Decimal(8), Decimal(4)]
    # AND a processed file reads back as the same entries
    assert read_processed(to_csv(employees["E1"]).encode()) == employees["E1"]
    assert in_batches(list(employees), 2) == [["E1", "E2"], ["E3"]]


def test_hours_of_one_employee_on_one_day_are_summed_over_rows():
    # GIVEN Ada working three jobs on 2 Nov, 25 hours in all, and Alan 24 hours on that day
    data = (
        HEADER
        + "E1,Ada,2026-11-02,DEV,10,50\n"
        + "E2,Alan,2026-11-02,OPS,24,30\n"
        + "E1,Ada,2026-11-02,OPS,10,50\n"
        + "E1,Ada,2026-11-03,OPS,10,50\n"
        + "E1,Ada,2026-11-02,QA,5,50\n"
    ).encode()
    # WHEN it is parsed
    message = rejection(data)
    # THEN the row that crosses 24 hours is named, with the other rows of that day
    assert message == (
        "line 6, column 5 (hours): more than 24 hours in one day for one employee "
        "(with lines 2 and 4)"
    )


def test_exactly_24_hours_a_day_and_a_rate_at_the_ceiling_are_accepted():
    data = (HEADER + "E1,Ada,2026-11-02,DEV,16,1000\nE1,Ada,2026-11-02,OPS,8,1000\n").encode()
    assert sum(entry.hours for entry in parse_timesheet(data)) == 24


def test_the_rate_ceiling_is_the_setting():
    data = (HEADER + "E1,Ada,2026-11-02,DEV,8,75\n").encode()
    lower = TimesheetLimits(max_hourly_rate=Decimal(70), max_file_bytes=1_000_000)
    assert "above the ceiling of 70 an hour" in rejection(data, lower)
    assert len(parse_timesheet(data)) == 1


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    data = (HEADER + "E1,Ada,2026-11-02,DEV,8,50\n").encode()
    small = TimesheetLimits(max_hourly_rate=Decimal(1000), max_file_bytes=len(data) - 1)
    assert f"larger than the limit of {len(data) - 1:,} bytes" in rejection(data, small)
    exact = TimesheetLimits(max_hourly_rate=Decimal(1000), max_file_bytes=len(data))
    assert len(parse_timesheet(data, exact)) == 1


def test_errors_are_listed_in_line_order_without_values():
    # GIVEN faults found in different passes (a day's total, then a bad number further up)
    data = (
        HEADER
        + "E1,Ada,2026-11-02,DEV,20,50\n"
        + "E1,Ada,2026-11-02,OPS,20,50\n"
        + "E2,Alan,2026-11-02,OPS,7,secret-77\n"
    ).encode()
    message = rejection(data)
    assert message.index("line 3,") < message.index("line 4,")
    assert "secret-77" not in message


def test_a_name_that_would_read_back_differently_is_refused():
    # A quote before a formula sign is how the CSV outputs protect a cell: such a name could
    # not be told apart from a protected one.
    data = (HEADER + "E1,'=Ada,2026-11-02,DEV,8,50\n").encode()
    assert "line 2, column 2 (employee_name): a quote before" in rejection(data)


def test_processed_files_are_spreadsheet_safe_and_read_back_exactly():
    # GIVEN names and job codes a spreadsheet would run as formulas
    data = (
        HEADER
        + 'E1,"=HYPERLINK(""http://x"",""y"")",2026-11-02,-DEV,8,50\n'
        + "E2,@Alan,2026-11-02,+OPS,7.25,30\n"
    ).encode()
    entries = parse_timesheet(data)
    # WHEN they are written to a processed file
    written = to_csv(entries)
    # THEN every text cell is written as text (OWASP's quote), numbers stay numbers
    rows = list(csv.reader(io.StringIO(written)))
    assert rows[1][1] == safe_cell(entries[0].employee_name) == '\'=HYPERLINK("http://x","y")'
    assert rows[1][3] == "'-DEV"
    assert rows[2][1:5] == ["'@Alan", "2026-11-02", "'+OPS", "7.25"]
    # AND reading the file back gives the entries as written
    assert read_processed(written.encode()) == entries


def test_a_line_s_faults_come_cell_by_cell_then_those_across_rows():
    # GIVEN a line repeating line 2 under another name, with hours that are not a number
    data = (HEADER + "E1,Ada,2026-11-02,DEV,8,50\nE1,Grace,2026-11-02,DEV,x,50\n").encode()
    # THEN its faults are its cells' from left to right (the other name at the name), then
    # the repeat
    assert rejection(data) == (
        "line 3, column 2 (employee_name): another name than on line 2 for the same "
        "employee_id; line 3, column 5 (hours): not a number; line 3, column 4 (job_code): "
        "repeats line 2 (same employee_id, date and job_code)"
    )


def test_a_too_long_day_is_named_at_its_last_line_after_that_line_s_cells():
    # GIVEN 25 hours for E1 on one day over lines 2, 3 and 5, line 5 above the rate ceiling
    data = (
        HEADER
        + "E1,Ada,2026-11-02,DEV,10,50\nE1,Ada,2026-11-02,OPS,10,50\n"
        + "E2,Alan,2026-11-02,DEV,8,50\nE1,Ada,2026-11-02,QA,5,5000\n"
    ).encode()
    # THEN line 5 has the rate's fault, then the day's, naming the day's other lines
    assert rejection(data) == (
        "line 5, column 6 (hourly_rate): above the ceiling of 1,000 an hour "
        "(PAYROLL_MAX_HOURLY_RATE); line 5, column 5 (hours): more than 24 hours in one day "
        "for one employee (with lines 2 and 3)"
    )


def test_the_header_is_the_column_rules_in_order():
    assert HEADER.rstrip("\n").split(",") == [column.name for column in COLUMNS]
