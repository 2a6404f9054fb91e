"""POST /reports starts a report of the caller's organisation (202, its id); GET /reports/{id}
answers its status, its sub-reports' progress and, once done, its row count and download link."""

import uuid
from datetime import UTC, datetime
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from botocore.exceptions import BotoCoreError, ClientError

from common import stepfunctions
from common.http import (
    api_handler,
    caller_claim,
    json_response,
    problem,
    require_uuid,
    rest_api,
)
from common.observability import logger
from common.settings import load_settings
from reports.dal import reports, storage
from reports.logic.execution import execution_input
from reports.logic.ranges import range_fault, sub_report_count
from reports.logic.status import describe_report
from reports.models import ReportRequest
from reports.settings import ReportsApiSettings

settings = load_settings(ReportsApiSettings)
app = rest_api()


def _caller_organisation() -> str | None:
    # The StaffAuthorizer passes the token's org claim in the request context.
    return caller_claim(app, "org")


def _caller_verified_email() -> str | None:
    """The token's email when its email_verified claim is true: the one address a report of
    prospects' data may be sent to."""
    verified = (caller_claim(app, "email_verified") or "").lower() == "true"
    return caller_claim(app, "email") if verified else None


@app.post("/reports")
def request_report(request: ReportRequest) -> Response[str]:
    if request.organisation_id != _caller_organisation():
        # Authenticated, but not for this organisation: the report holds its prospects' data.
        return problem(HTTPStatus.FORBIDDEN, "you may only request your own organisation's reports")
    email = _caller_verified_email()
    if email is None:
        return problem(
            HTTPStatus.FORBIDDEN,
            "your sign-in has no verified email address to send the report to",
        )
    first, last, days = request.first_day, request.last_day, request.sub_range_days
    today = datetime.now(UTC).date()
    fault = range_fault(first, last, days, settings.max_range_days, settings.max_sub_reports, today)
    if fault:
        return problem(HTTPStatus.BAD_REQUEST, "invalid request", [fault])
    total = sub_report_count(first, last, days)
    report_id = str(uuid.uuid4())
    record = {
        "reportId": report_id,
        "organisationId": request.organisation_id,
        "from": request.first_day.isoformat(),
        "to": request.last_day.isoformat(),
        "subRangeDays": request.sub_range_days,
        "email": email,
        "subReportsTotal": total,
    }
    # The email stays in the table: never in the execution's input or history.
    reports.create(settings.reports_table, record)
    try:
        stepfunctions.start_execution(
            settings.state_machine_arn, report_id, execution_input(record)
        )
    except (BotoCoreError, ClientError):
        # Recorded, so not lost: ReportsSweepFunction starts it after its grace period.
        logger.exception("report not started; the sweeper will", extra={"report_id": report_id})
    logger.info("report requested", extra={"report_id": report_id, "sub_reports": total})
    return json_response(HTTPStatus.ACCEPTED, {"id": report_id, "status": f"/reports/{report_id}"})


@app.get("/reports/<report_id>")
def get_report(report_id: str) -> Response[str]:
    require_uuid(report_id, "report")
    record = reports.get(settings.reports_table, report_id)
    # Another organisation's report is answered as unknown: its existence is not disclosed.
    if record is None or record["organisationId"] != _caller_organisation():
        return problem(HTTPStatus.NOT_FOUND, "no such report")
    link = None
    if record["status"] == "SUCCEEDED" and not storage.exists(settings.bucket, record["objectKey"]):
        record = {**record, "status": "EXPIRED"}  # removed by the bucket's lifecycle: no link
    if record["status"] == "SUCCEEDED":
        link = storage.download_link(
            settings.bucket,
            record["objectKey"],
            settings.link_expiry_seconds,
            settings.s3_addressing_style,
        )
    return json_response(HTTPStatus.OK, describe_report(record, link))


handler = api_handler(app)
