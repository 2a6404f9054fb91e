"""Validating a raw timesheet file, and splitting it per employee and per batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from payroll.logic.timesheet import by_employee, in_batches, parse_timesheet, to_csv
from payroll.models import InvalidPayrollFile

HEADER = "employee_id,employee_name,date,job_code,hours,hourly_rate\n"


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
        (HEADER.encode(), "line 2: the file has a header but no timesheet rows"),
        (
            b"employee_id,name,date,job_code,hours,hourly_rate\nE1,Ada,2026-11-02,DEV,8,50\n",
            "line 1, column 2: header should be 'employee_name', found 'name'",
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
        ("E1,Ada,2026-11-02,DEV,abc,50", "line 3, column 5 (hours): 'abc' is not a number"),
        ("E1,Ada,2026-11-02,DEV,NaN,50", "line 3, column 5 (hours): 'NaN' is not a number"),
        ("E1,Ada,2026-11-02,DEV,-1,50", "line 3, column 5 (hours): '-1' is negative"),
        ("E1,Ada,2026-11-02,DEV,8,-50", "line 3, column 6 (hourly_rate): '-50' is negative"),
        ("E1,Ada,2026-13-02,DEV,8,50", "line 3, column 3 (date): '2026-13-02' is not a date"),
        ("E1,Ada,02/11/2026,DEV,8,50", "line 3, column 3 (date): '02/11/2026' is not a date"),
        ("E 1,Ada,2026-11-02,DEV,8,50", "line 3, column 1 (employee_id): 'E 1' is not an"),
        ("E1,,2026-11-02,DEV,8,50", "line 3, column 2 (employee_name): the name is empty"),
        ("E1,Ada,2026-11-02,,8,50", "line 3, column 4 (job_code): the job code is empty"),
        ("E1,Ada,2026-11-02,DEV,8", "line 3: 5 columns, expected 6"),
        (
            "E1,Grace,2026-11-03,DEV,8,50",
            "line 3, column 2 (employee_name): employee E1 has another name on line 2",
        ),
    ],
)
def test_a_bad_value_is_named_by_line_and_column(row, message):
    # GIVEN a good first row and a bad second one (line 3)
    data = (HEADER + "E1,Ada,2026-11-02,DEV,8,50\n" + row + "\n").encode()
    # WHEN it is parsed
    with pytest.raises(InvalidPayrollFile) as raised:
        parse_timesheet(data)
    # THEN the error names the line and column
    assert message in str(raised.value)


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
    assert parse_timesheet(to_csv(employees["E1"]).encode()) == employees["E1"]
    assert in_batches(list(employees), 2) == [["E1", "E2"], ["E3"]]
