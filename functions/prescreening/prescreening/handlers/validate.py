"""Validate: is the stored application one we can screen? Marks it as screening.

The execution carries only the application's id (the claim check); the record is read from the
applications table, where the trigger stored it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from common.errors import field_errors
from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications
from prescreening.logic import validation
from prescreening.models import ApplicationRef, InvalidApplication
from prescreening.settings import ApplicationsSettings

settings = load_settings(ApplicationsSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    try:
        ref = ApplicationRef.model_validate(event)
    except ValidationError as error:
        # Field paths only: a producer may have put a whole record here.
        raise InvalidApplication("; ".join(field_errors(error))) from None
    application = applications.stored_application(settings.applications_table, ref.application_id)
    result = validation.validate(application, datetime.now(UTC).date())
    applications.mark_screening(
        settings.applications_table,
        application.application_id,
        {
            "product": application.product.value,
            "requestedAmount": application.requested_amount,
            "termMonths": application.term_months,
        },
    )
    logger.info(
        "application validated",
        extra={"application_id": application.application_id, "valid": result.valid},
    )
    return {"applicationId": application.application_id, "validation": result.to_json()}
