"""Validate: is the execution's input an application we can screen? Marks it as screening."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from common.errors import field_errors
from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications
from prescreening.logic import validation
from prescreening.logic.masking import masked_application
from prescreening.models import Application, InvalidApplication
from prescreening.settings import ApplicationsSettings

settings = load_settings(ApplicationsSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    try:
        application = Application.model_validate(event)
    except ValidationError as error:
        # Field paths only: the values may be personal data.
        raise InvalidApplication("; ".join(field_errors(error))) from None
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
        extra={"application": masked_application(application.to_json()), "valid": result.valid},
    )
    return {"application": application.to_json(), "validation": result.to_json()}
