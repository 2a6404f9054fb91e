"""Where a run's files go: every key under the run's prefix, and how employees are batched."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from payroll.logic import layout
from payroll.logic.timesheet import TimesheetEntry, by_employee, read_processed

PREFIX = "timesheets/week-45/20261120T100000000000Z"


def entry(employee_id: str, day: int) -> TimesheetEntry:
    return TimesheetEntry(
        employee_id, f"Name {employee_id}", date(2026, 11, day), "DEV", Decimal(8), Decimal(50)
    )


def test_every_file_of_a_run_is_under_its_prefix():
    assert layout.employee_file(PREFIX, "E1") == f"{PREFIX}/employees/E1.csv"
    assert layout.batch_file(PREFIX, 7) == f"{PREFIX}/batches/00007.csv"
    assert layout.paystubs_folder(PREFIX) == f"{PREFIX}/paystubs/"
    assert layout.paystub_file(PREFIX, "E1") == f"{PREFIX}/paystubs/E1.pdf"
    assert layout.rollup_file(PREFIX) == f"{PREFIX}/rollup.csv"
    assert layout.report_files(PREFIX) == (f"{PREFIX}/report.pdf", f"{PREFIX}/report.csv")


def test_a_batch_s_rollup_part_is_named_as_its_batch_file():
    batch = layout.batch_file(PREFIX, 3)
    assert layout.rollup_part_file(PREFIX, batch) == f"{PREFIX}/rollup-parts/00003.csv"


def test_batches_keep_their_configured_size_until_there_would_be_too_many():
    assert layout.batch_size(employees=10, smallest=4) == 4
    assert layout.batch_size(employees=layout.MAX_BATCHES * 4, smallest=4) == 4
    # one employee more than MAX_BATCHES batches of 4 hold: every batch grows by one
    assert layout.batch_size(employees=layout.MAX_BATCHES * 4 + 1, smallest=4) == 5


def test_processed_files_hold_each_employee_once_per_employee_and_per_batch():
    # GIVEN three employees, one of them with two days
    employees = by_employee([entry("E1", 2), entry("E2", 2), entry("E1", 3), entry("E3", 4)])
    # WHEN they are laid out in batches of two
    per_employee, per_batch = layout.processed_files(PREFIX, employees, smallest_batch=2)
    per_employee = dict(per_employee)
    # THEN each employee has a file of their own rows
    assert list(per_employee) == [layout.employee_file(PREFIX, e) for e in ("E1", "E2", "E3")]
    assert read_processed(per_employee[f"{PREFIX}/employees/E1.csv"].encode()) == employees["E1"]
    # AND the batches hold E1 and E2, then E3, every row once
    assert [key for key, _ in per_batch] == [
        layout.batch_file(PREFIX, 0),
        layout.batch_file(PREFIX, 1),
    ]
    rows = [read_processed(text.encode()) for _, text in per_batch]
    assert rows == [employees["E1"] + employees["E2"], employees["E3"]]
