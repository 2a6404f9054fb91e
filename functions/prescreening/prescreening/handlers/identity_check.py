"""IdentityCheck: does the applicant look real, and are they on the sanctions list?"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from prescreening.dal import sanctions
from prescreening.logic import identity
from prescreening.models import Application


@event_parser(model=Application)
@instrumented
def handler(application: Application, context: LambdaContext) -> dict:
    result = identity.check_identity(application.applicant, sanctions.sanctioned_people())
    logger.info(
        "identity checked",
        extra={
            "application_id": application.application_id,
            "verified": result.verified,
            "sanctions_hit": result.sanctions_hit,
        },
    )
    return result.to_json()
