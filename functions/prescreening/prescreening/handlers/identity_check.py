"""IdentityCheck: does the applicant look real, and are they on the sanctions list?"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications, sanctions
from prescreening.logic import identity
from prescreening.models import ApplicationRef
from prescreening.settings import ApplicationsSettings

settings = load_settings(ApplicationsSettings)


@event_parser(model=ApplicationRef)
@instrumented
def handler(ref: ApplicationRef, context: LambdaContext) -> dict:
    application = applications.stored_application(settings.applications_table, ref.application_id)
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
