"""The pre-screening state machine's tasks: validate, the three checks, decide, wait for a
review, record the decision. Each parses its input, calls the rule, and returns JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.observability import logger, tracer
from prescreening.dal import applications, bureau, sanctions, screening_log
from prescreening.dal.bureau import CreditBureauUnavailable
from prescreening.dal.screening_log import LogType
from prescreening.logic import affordability, credit, decision, identity, validation
from prescreening.logic.masking import masked_application
from prescreening.models import Application, Checks, Decision, Model, describe_errors

__all__ = ["CreditBureauUnavailable"]


class InvalidApplication(Exception):
    """The execution's input is not an application (producers bypassing the trigger)."""


def _today() -> datetime:
    return datetime.now(UTC)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def validate(event: dict, context: LambdaContext) -> dict:
    try:
        application = Application.model_validate(event)
    except ValidationError as error:
        # Field paths only: the values may be personal data.
        raise InvalidApplication("; ".join(describe_errors(error))) from error
    result = validation.validate(application, _today().date())
    applications.mark_screening(
        application.application_id,
        {
            "product": application.product.value,
            "requestedAmount": application.requested_amount,
            "termMonths": application.term_months,
        },
    )
    logger.info(
        "application validated",
        application=masked_application(application.to_json()),
        valid=result.valid,
    )
    return {"application": application.to_json(), "validation": result.to_json()}


@event_parser(model=Application)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def identity_check(application: Application, context: LambdaContext) -> dict:
    result = identity.check_identity(application.applicant, sanctions.sanctioned_people())
    logger.info(
        "identity checked",
        application_id=application.application_id,
        verified=result.verified,
        sanctions_hit=result.sanctions_hit,
    )
    return result.to_json()


@event_parser(model=Application)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def credit_check(application: Application, context: LambdaContext) -> dict:
    """Raises CreditBureauUnavailable for the state machine to retry with backoff."""
    applicant = application.applicant
    report = bureau.fetch_report(
        {
            "name": applicant.name,
            "dateOfBirth": applicant.date_of_birth.isoformat(),
            "nationalId": applicant.national_id,
        }
    )
    result = credit.credit_result(report)
    logger.info("credit checked", application_id=application.application_id, score=result.score)
    return result.to_json()


@event_parser(model=Application)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def affordability_check(application: Application, context: LambdaContext) -> dict:
    result = affordability.assess(application)
    logger.info(
        "affordability assessed",
        application_id=application.application_id,
        affordable=result.affordable,
    )
    return result.to_json()


class DecideRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    application_id: str = Field(alias="applicationId")
    checks: Checks


@event_parser(model=DecideRequest)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def decide(request: DecideRequest, context: LambdaContext) -> dict:
    checks = request.checks
    found = decision.decide(checks)
    screening_log.write(
        [
            screening_log.entry(
                request.application_id, LogType.APPLICATION, event, result.to_json()
            )
            for event, result in (
                ("IDENTITY_CHECK", checks.identity),
                ("CREDIT_CHECK", checks.credit),
                ("AFFORDABILITY_CHECK", checks.affordability),
            )
        ]
    )
    logger.info("decided", application_id=request.application_id, outcome=found.outcome.value)
    return found.to_json()


class ReviewRequest(Model):
    application_id: str
    reasons: list[str]
    task_token: str


@event_parser(model=ReviewRequest)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def request_review(request: ReviewRequest, context: LambdaContext) -> dict:
    """Put the referral in the review queue; the execution waits on request.task_token."""
    applications.await_review(request.application_id, request.reasons, request.task_token)
    screening_log.write(
        [
            screening_log.entry(
                request.application_id,
                LogType.APPLICATION,
                "REFERRAL",
                {"reasons": request.reasons},
            )
        ]
    )
    logger.info("referred for review", application_id=request.application_id)
    return {"queued": True}


class RecordRequest(Model):
    application_id: str
    decision: Decision


@event_parser(model=RecordRequest)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def record_decision(request: RecordRequest, context: LambdaContext) -> dict[str, Any]:
    outcome = request.decision
    recorded = {
        "decision": outcome.outcome.value,
        "reasons": outcome.reasons,
        "reviewedBy": outcome.reviewed_by,
    }
    applications.record_decision(request.application_id, recorded)
    screening_log.write(
        [screening_log.entry(request.application_id, LogType.APPLICATION, "DECISION", recorded)]
    )
    logger.info(
        "decision recorded", application_id=request.application_id, outcome=outcome.outcome.value
    )
    return {
        "applicationId": request.application_id,
        **{k: v for k, v in recorded.items() if v is not None},
    }
