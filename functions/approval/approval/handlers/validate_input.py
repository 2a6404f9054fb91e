"""IsInputValid: is the execution's input two integers (and an acceptable timeout)?"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from approval.logic.validation import validate_request
from approval.settings import ValidationSettings
from common.observability import instrumented, logger
from common.settings import load_settings

settings = load_settings(ValidationSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    validation = validate_request(event, max_timeout_seconds=settings.timeout_seconds)
    logger.info("input checked", extra={"valid": validation.valid, "problems": validation.problems})
    return validation.as_output()
