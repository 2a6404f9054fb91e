"""Decide: approve, decline or refer from the three checks; logs each check's finding."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import screening_log
from prescreening.dal.screening_log import LogType
from prescreening.logic import decision
from prescreening.models import DecideRequest
from prescreening.settings import ScreeningLogSettings

settings = load_settings(ScreeningLogSettings)


@event_parser(model=DecideRequest)
@instrumented
def handler(request: DecideRequest, context: LambdaContext) -> dict:
    checks = request.checks
    found = decision.decide(checks)
    screening_log.write(
        settings.screening_log_table,
        [
            screening_log.entry(
                request.application_id, LogType.APPLICATION, event, result.to_json()
            )
            for event, result in (
                ("IDENTITY_CHECK", checks.identity),
                ("CREDIT_CHECK", checks.credit),
                ("AFFORDABILITY_CHECK", checks.affordability),
            )
        ],
    )
    logger.info(
        "decided",
        extra={"application_id": request.application_id, "outcome": found.outcome.value},
    )
    return found.to_json()
