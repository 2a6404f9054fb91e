"""ProcessData: validate the whole raw file, then write it out per employee and per batch."""

from __future__ import annotations

import re
from math import ceil

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from payroll.dal import files
from payroll.logic.naming import run_prefix
from payroll.logic.timesheet import by_employee, in_batches, parse_timesheet, to_csv
from payroll.models import InvalidPayrollFile, PayrollState
from payroll.settings import UPLOAD_WORKERS, ProcessDataSettings

settings = load_settings(ProcessDataSettings)

# A value the message quotes ('thirty', "O'Brien"): a cell of the file, so maybe personal data.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')


def file_faults(message: str) -> str:
    """A refused file's message as it may be shown: where (line, column, field) and what is
    wrong, every quoted cell value withheld."""
    return _QUOTED.sub("(value withheld)", message)


# At most this many Map items: their keys and results stay far below the 256 KB state limit
# (about 70 + 100 bytes each), however many employees a file has; batches grow instead.
MAX_BATCHES = 1000


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    state = PayrollState.model_validate(event)
    limits = settings.timesheet_limits
    raw = files.read(state.bucket, state.key, state.version_id, max_bytes=limits.max_file_bytes)
    try:
        entries = parse_timesheet(raw, limits)
    except InvalidPayrollFile as error:
        # Where the file is wrong (line, column, field), never a value: the message reaches the
        # execution's history and the [ERROR] notification. The parser quotes no cell; any
        # quoted value a future message carried would still be withheld here.
        faults = file_faults(str(error))
        logger.warning("timesheet refused", extra={"key": state.key, "faults": faults})
        raise InvalidPayrollFile(f"s3://{state.bucket}/{state.key}: {faults}") from None

    employees = by_employee(entries)
    prefix = run_prefix(state.key, state.uploaded_at)
    bucket = settings.processed_data_bucket
    batch_size = max(settings.paystub_batch_size, ceil(len(employees) / MAX_BATCHES))
    batch_files = [
        (
            f"{prefix}/batches/{number:05d}.csv",
            to_csv(entry for employee in batch for entry in employees[employee]),
        )
        for number, batch in enumerate(in_batches(list(employees), batch_size))
    ]
    employee_files = (
        (f"{prefix}/employees/{employee}.csv", to_csv(rows)) for employee, rows in employees.items()
    )
    files.write_many(bucket, employee_files, files.CSV, UPLOAD_WORKERS)
    files.write_many(bucket, batch_files, files.CSV, UPLOAD_WORKERS)
    logger.info("timesheet processed", extra={"employees": len(employees), "rows": len(entries)})
    days = [entry.date for entry in entries]
    return state.with_result(
        "ProcessData",
        prefix=prefix,
        period={"start": min(days).isoformat(), "end": max(days).isoformat()},
        processedData={
            "bucket": bucket,
            "employees": len(employees),
            "rows": len(entries),
            "batches": [key for key, _ in batch_files],
        },
    )
