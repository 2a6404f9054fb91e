"""IsInputValid: is the execution's input two integers (and an acceptable timeout)?"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from approval import settings
from approval.logic.validation import validate_request
from common.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    config = settings.load(settings.ValidationSettings)
    validation = validate_request(event, max_timeout_seconds=config.approval_timeout_seconds)
    logger.info("input checked", extra={"valid": validation.valid, "problems": validation.problems})
    return validation.as_output()
