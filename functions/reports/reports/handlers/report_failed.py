"""ReportFailed: any state's failure ends here: the report is FAILED with a reason, the
requester is told by email once, a report-failed event is published. A report already made (its
notice failed after it was recorded) stays SUCCEEDED, and its requester gets no failure email."""

import contextlib
import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from common import mail
from common.observability import instrumented, logger
from common.settings import load_settings
from reports.dal import notices, reports
from reports.models import FailureTask
from reports.settings import NotifySettings

settings = load_settings(NotifySettings)
MAX_REASON = 300


def reason_of(error: dict) -> str:
    """The error's name and message (a Lambda error's Cause is JSON holding errorMessage)."""
    name = error.get("Error", "Error")
    cause = error.get("Cause") or ""
    with contextlib.suppress(ValueError, AttributeError):
        cause = json.loads(cause).get("errorMessage", cause)
    return f"{name}: {cause}"[:MAX_REASON] if cause else name


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    task = FailureTask.model_validate(event)
    reason = reason_of(task.error)
    if not reports.failed(settings.reports_table, task.report_id, reason):
        record = reports.get(settings.reports_table, task.report_id) or {}
        status = record.get("status", "MISSING")
        if status != "FAILED":  # made (its notice failed after it was recorded), or unknown
            logger.info(
                "report finished already", extra={"report_id": task.report_id, "status": status}
            )
            return {"reportId": task.report_id, "status": status, "reason": reason}
    if reports.claim_notice(settings.reports_table, task.report_id, "failed"):
        _tell_the_requester(task.report_id, reason)
        notices.publish(
            settings.topic_arn,
            {"type": "ReportFailed", "reportId": task.report_id, "reason": reason},
        )
    logger.info("report failed", extra={"report_id": task.report_id, "reason": reason})
    return {"reportId": task.report_id, "status": "FAILED", "reason": reason}


def _tell_the_requester(report_id: str, reason: str) -> None:
    record = reports.get(settings.reports_table, report_id)
    if record and record.get("email"):
        mail.send_email(
            settings.sender_email,
            record["email"],
            f"Your prospect activity report {report_id} failed",
            f"Your report of {record['from']} to {record['to']} could not be made.\n\n"
            f"Reason: {reason}\n\nPlease request it again; if it fails again, contact support.\n",
        )
