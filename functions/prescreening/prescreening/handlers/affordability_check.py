"""AffordabilityCheck: can the applicant carry the new repayment on their income?"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications
from prescreening.logic import affordability
from prescreening.models import ApplicationRef
from prescreening.settings import ApplicationsSettings

settings = load_settings(ApplicationsSettings)


@event_parser(model=ApplicationRef)
@instrumented
def handler(ref: ApplicationRef, context: LambdaContext) -> dict:
    application = applications.stored_application(settings.applications_table, ref.application_id)
    result = affordability.assess(application)
    logger.info(
        "affordability assessed",
        extra={"application_id": application.application_id, "affordable": result.affordable},
    )
    return result.to_json()
