"""Notify: the report is marked done, then its link emailed to the requester and a report-ready
event published, once per report however often the step runs."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from common import mail
from common.observability import instrumented, logger
from common.settings import load_settings
from reports.dal import notices, reports, storage
from reports.logic.wording import duration
from reports.models import NotifyTask
from reports.settings import NotifySettings

settings = load_settings(NotifySettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    task = NotifyTask.model_validate(event)
    reports.succeeded(settings.reports_table, task.report_id, task.row_count, task.key)
    if not reports.claim_notice(settings.reports_table, task.report_id, "ready"):
        logger.info("report ready: notice sent already", extra={"report_id": task.report_id})
        return {"reportId": task.report_id, "status": "SUCCEEDED"}
    record = reports.get(settings.reports_table, task.report_id)
    link = storage.download_link(
        settings.bucket, task.key, settings.link_expiry_seconds, settings.s3_addressing_style
    )
    mail.send_email(
        settings.sender_email,
        record["email"],
        f"Your prospect activity report {task.report_id} is ready",
        f"Your report of {record['from']} to {record['to']} is ready: {task.row_count} rows.\n\n"
        f"Download: {link}\n\nThe link expires in {duration(settings.link_expiry_seconds)}; "
        f"GET /reports/{task.report_id} gives a new one.\n",
    )
    notices.publish(
        settings.topic_arn,
        {
            "type": "ReportReady",
            "reportId": task.report_id,
            "organisationId": record["organisationId"],
            "rowCount": task.row_count,
        },
    )
    logger.info("report ready", extra={"report_id": task.report_id})
    return {"reportId": task.report_id, "status": "SUCCEEDED"}
