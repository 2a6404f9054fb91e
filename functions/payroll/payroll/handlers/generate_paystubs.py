"""GeneratePaystubs, one Map iteration: the paystub PDFs of one batch of employees and its
part of rollup.csv."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from payroll.dal import files
from payroll.logic.earnings import WithholdingRates, compute_paystub
from payroll.logic.layout import paystub_file, rollup_part_file
from payroll.logic.paystub_pdf import render_paystub
from payroll.logic.rollup import rollup_csv
from payroll.logic.timesheet import by_employee, read_processed
from payroll.models import PaystubBatch
from payroll.settings import UPLOAD_WORKERS, GeneratePaystubsSettings

settings = load_settings(GeneratePaystubsSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    batch = PaystubBatch.model_validate(event)
    rates = WithholdingRates(
        settings.social_security_rate, settings.medicare_rate, settings.income_tax_rate
    )
    period = (batch.period.start, batch.period.end)
    employees = by_employee(
        read_processed(files.read(settings.processed_data_bucket, batch.batch_key))
    )

    paystubs = []
    # Draw each PDF while earlier ones upload: drawing needs the CPU, uploading mostly waits.
    with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as uploads:
        pending: list[Future] = []
        for employee_id, entries in employees.items():
            paystub = compute_paystub(entries, rates, period)
            paystubs.append(paystub)
            pending.append(
                uploads.submit(
                    files.write,
                    settings.paystubs_bucket,
                    paystub_file(batch.prefix, employee_id),
                    render_paystub(paystub),
                    files.PDF,
                )
            )
        for upload in pending:
            upload.result()

    part_key = rollup_part_file(batch.prefix, batch.batch_key)
    files.write(settings.paystubs_bucket, part_key, rollup_csv(paystubs, header=False), files.CSV)
    batch_name = batch.batch_key.rsplit("/", 1)[-1]
    logger.info("paystub batch written", extra={"batch": batch_name, "paystubs": len(paystubs)})
    return {"rollupPartKey": part_key, "paystubs": len(paystubs)}
