"""RecordDecision: the decision (automatic or a person's) into the applications table and the
screening log."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from prescreening.dal import applications, screening_log
from prescreening.dal.screening_log import LogType
from prescreening.models import RecordRequest
from prescreening.settings import ApplicationsAndLogSettings

settings = load_settings(ApplicationsAndLogSettings)


@event_parser(model=RecordRequest)
@instrumented
def handler(request: RecordRequest, context: LambdaContext) -> dict[str, Any]:
    outcome = request.decision
    recorded = {
        "decision": outcome.outcome.value,
        "reasons": outcome.reasons,
        "reviewedBy": outcome.reviewed_by,
    }
    applications.record_decision(settings.applications_table, request.application_id, recorded)
    screening_log.write(
        settings.screening_log_table,
        [screening_log.entry(request.application_id, LogType.APPLICATION, "DECISION", recorded)],
    )
    logger.info(
        "decision recorded",
        extra={"application_id": request.application_id, "outcome": outcome.outcome.value},
    )
    return {
        "applicationId": request.application_id,
        **{k: v for k, v in recorded.items() if v is not None},
    }
