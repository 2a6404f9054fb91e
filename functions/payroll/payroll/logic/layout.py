"""Where a payroll run's files go in S3: every key under the run's prefix (naming.run_prefix)."""

from __future__ import annotations

from collections.abc import Iterator
from math import ceil

from payroll.logic.timesheet import TimesheetEntry, in_batches, to_csv

# At most this many Map items: their keys and results stay far below the 256 KB state limit
# (about 70 + 100 bytes each), however many employees a file has; batches grow instead.
MAX_BATCHES = 1000

File = tuple[str, str]  # (key, CSV text)


def employee_file(prefix: str, employee_id: str) -> str:
    return f"{prefix}/employees/{employee_id}.csv"


def batch_file(prefix: str, number: int) -> str:
    return f"{prefix}/batches/{number:05d}.csv"


def paystubs_folder(prefix: str) -> str:
    return f"{prefix}/paystubs/"


def paystub_file(prefix: str, employee_id: str) -> str:
    return f"{paystubs_folder(prefix)}{employee_id}.pdf"


def rollup_part_file(prefix: str, batch_key: str) -> str:
    """A batch's part of the rollup, named as its batch file."""
    return f"{prefix}/rollup-parts/{batch_key.rsplit('/', 1)[-1]}"


def rollup_file(prefix: str) -> str:
    return f"{prefix}/rollup.csv"


def report_files(prefix: str) -> tuple[str, str]:
    """The report's PDF and CSV."""
    return f"{prefix}/report.pdf", f"{prefix}/report.csv"


def batch_size(employees: int, smallest: int) -> int:
    """Employees per batch: `smallest` (PAYROLL_PAYSTUB_BATCH_SIZE), or more when that would
    make more than MAX_BATCHES batches."""
    return max(smallest, ceil(employees / MAX_BATCHES))


def processed_files(
    prefix: str, employees: dict[str, list[TimesheetEntry]], smallest_batch: int
) -> tuple[Iterator[File], list[File]]:
    """A validated timesheet's processed files: one per employee (made as they are written),
    and one per batch of employees (what each GeneratePaystubs iteration reads)."""
    per_employee = (
        (employee_file(prefix, employee), to_csv(rows)) for employee, rows in employees.items()
    )
    batches = in_batches(list(employees), batch_size(len(employees), smallest_batch))
    per_batch = [
        (batch_file(prefix, number), to_csv(entry for one in batch for entry in employees[one]))
        for number, batch in enumerate(batches)
    ]
    return per_employee, per_batch
