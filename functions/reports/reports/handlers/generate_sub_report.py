"""GenerateSubReport: one sub-range's activity as a CSV part in S3. Each runs (and is retried)
on its own; its progress is recorded on the report."""

import io

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from reports.dal import reports, storage
from reports.dal.activity import activity_between
from reports.logic.rows import write_rows
from reports.models import SubReportTask
from reports.settings import GenerateSubReportSettings

settings = load_settings(GenerateSubReportSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    task = SubReportTask.model_validate(event)
    try:
        rows = generate(task)
    except Exception:
        reports.sub_report_failed(settings.reports_table, task.report_id, task.index)
        raise  # the Map's Retry runs this sub-report again, alone
    reports.sub_report_done(settings.reports_table, task.report_id, task.index)
    logger.info("sub-report written", extra={"index": task.index, "rows": rows})
    return {"index": task.index, "rows": rows}


def generate(task: SubReportTask) -> int:
    # One sub-range is a bounded slice (days, not years): its part is built in memory.
    out = io.StringIO()
    items = activity_between(
        settings.prospect_activity_table, task.organisation_id, task.start, task.end
    )
    rows = write_rows(out, items)
    storage.put_part(
        settings.bucket, storage.part_key(task.report_id, task.index), out.getvalue().encode(), rows
    )
    return rows
