"""AffordabilityCheck: can the applicant carry the new repayment on their income?"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from prescreening.logic import affordability
from prescreening.models import Application


@event_parser(model=Application)
@instrumented
def handler(application: Application, context: LambdaContext) -> dict:
    result = affordability.assess(application)
    logger.info(
        "affordability assessed",
        extra={"application_id": application.application_id, "affordable": result.affordable},
    )
    return result.to_json()
