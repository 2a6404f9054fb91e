"""GenerateReport: the payroll report (PDF with totals, employee table and chart; CSV)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from payroll.dal import files
from payroll.logic.layout import report_files
from payroll.logic.report import render_report, report_csv, totals
from payroll.logic.rollup import read_rollup
from payroll.models import ReportRequest


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    request = ReportRequest.model_validate(event)
    bucket = request.paystubs.bucket
    rows = read_rollup(files.read(bucket, request.paystubs.rollup_key).decode())
    run = f"Payroll run for s3://{request.bucket}/{request.key}"
    pdf_key, csv_key = report_files(request.prefix)
    files.write(bucket, pdf_key, render_report(rows, run), files.PDF)
    files.write(bucket, csv_key, report_csv(rows), files.CSV)
    summary = totals(rows)
    logger.info("report written", extra={"employees": summary.employees})
    return request.with_result(
        "GenerateReport",
        report={
            "bucket": bucket,
            "pdfKey": pdf_key,
            "csvKey": csv_key,
            "employees": summary.employees,
            "grossPay": f"{summary.gross_pay:.2f}",
            "netPay": f"{summary.net_pay:.2f}",
        },
    )
