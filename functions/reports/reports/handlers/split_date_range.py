"""SplitDateRange: the report's days as half-open sub-ranges, one per GenerateSubReport."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from reports.dal import reports
from reports.logic.ranges import split_date_range
from reports.models import ReportJob
from reports.settings import SplitSettings

settings = load_settings(SplitSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    job = ReportJob.model_validate(event)
    sub_ranges = split_date_range(job.first_day, job.last_day, job.sub_range_days)
    reports.set_total(settings.reports_table, job.report_id, len(sub_ranges))
    logger.info("range split", extra={"report_id": job.report_id, "sub_reports": len(sub_ranges)})
    return {
        "total": len(sub_ranges),
        "subRanges": [
            {"index": r.index, "start": r.start.isoformat(), "end": r.end.isoformat()}
            for r in sub_ranges
        ],
    }
