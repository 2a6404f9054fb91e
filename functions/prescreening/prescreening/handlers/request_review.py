"""RequestReview: put the referral in the review queue; the execution waits on its task token
until POST /reviews/{applicationId} answers it, or the review times out."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications, screening_log
from prescreening.dal.screening_log import LogType
from prescreening.models import ReviewRequest
from prescreening.settings import ApplicationsAndLogSettings

settings = load_settings(ApplicationsAndLogSettings)


@event_parser(model=ReviewRequest)
@instrumented
def handler(request: ReviewRequest, context: LambdaContext) -> dict:
    applications.await_review(
        settings.applications_table, request.application_id, request.reasons, request.task_token
    )
    screening_log.write(
        settings.screening_log_table,
        [
            screening_log.entry(
                request.application_id,
                LogType.APPLICATION,
                "REFERRAL",
                {"reasons": request.reasons},
            )
        ],
    )
    logger.info("referred for review", extra={"application_id": request.application_id})
    return {"queued": True}
