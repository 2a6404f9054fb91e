"""Calculate: add x and y, then hand the sum and the task token to the third-party /double API.

The state waits (waitForTaskToken) until the third party answers the token.
"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from approval.dal.double_api import request_doubling
from approval.logic.calculation import add
from approval.models import CalculateTask
from approval.settings import CalculateSettings
from common.observability import instrumented, logger
from common.settings import load_settings

settings = load_settings(CalculateSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    task = CalculateTask.model_validate(event)
    total = add(task.x, task.y)  # NumberIsTooBig ends the calculation: not retried
    request_doubling(
        settings.double_url, total, task.task_token, settings.double_api_timeout_seconds
    )
    logger.info("sum sent to the third party", extra={"sum": total})
    return {"sum": total}
