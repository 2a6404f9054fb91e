"""ProcessData: validate the whole raw file, then write it out per employee and per batch."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from payroll.dal import files
from payroll.logic.layout import processed_files
from payroll.logic.naming import run_prefix
from payroll.logic.timesheet import by_employee, file_faults, parse_timesheet
from payroll.models import InvalidPayrollFile, PayrollState
from payroll.settings import UPLOAD_WORKERS, ProcessDataSettings

settings = load_settings(ProcessDataSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    state = PayrollState.model_validate(event)
    limits = settings.timesheet_limits
    raw = files.read(state.bucket, state.key, state.version_id, max_bytes=limits.max_file_bytes)
    try:
        entries = parse_timesheet(raw, limits)
    except InvalidPayrollFile as error:
        # Where the file is wrong (line, column, field), never a value: the message reaches the
        # execution's history and the [ERROR] notification.
        faults = file_faults(str(error))
        logger.warning("timesheet refused", extra={"key": state.key, "faults": faults})
        raise InvalidPayrollFile(f"s3://{state.bucket}/{state.key}: {faults}") from None

    employees = by_employee(entries)
    prefix = run_prefix(state.key, state.uploaded_at)
    bucket = settings.processed_data_bucket
    employee_files, batch_files = processed_files(prefix, employees, settings.paystub_batch_size)
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
