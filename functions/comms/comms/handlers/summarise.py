"""The retry batch's outcome for the notification: ids and reasons, no personal data."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from comms.logic.outcomes import summary


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    outcome = summary(event["results"])
    logger.info("batch outcome", extra={"allSent": outcome["allSent"], **outcome["message"]})
    return outcome
