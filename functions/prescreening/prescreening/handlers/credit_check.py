"""CreditCheck: the bureau's report on the applicant, scored.

Raises CreditBureauUnavailable for the state machine to retry with backoff.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications, bureau
from prescreening.logic import credit
from prescreening.models import ApplicationRef
from prescreening.settings import CreditCheckSettings

settings = load_settings(CreditCheckSettings)


@event_parser(model=ApplicationRef)
@instrumented
def handler(ref: ApplicationRef, context: LambdaContext) -> dict:
    application = applications.stored_application(settings.applications_table, ref.application_id)
    applicant = application.applicant
    report = bureau.fetch_report(
        settings.bureau_url,
        {
            "name": applicant.name,
            "dateOfBirth": applicant.date_of_birth.isoformat(),
            "nationalId": applicant.national_id,
        },
        timeout=settings.credit_bureau_timeout_seconds,
        api_key=bureau.api_key(settings.credit_bureau_secret_arn),
    )
    result = credit.credit_result(report)
    logger.info(
        "credit checked",
        extra={"application_id": application.application_id, "score": result.score},
    )
    return result.to_json()
