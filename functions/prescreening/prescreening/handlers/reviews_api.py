"""GET /reviews (referrals waiting for a person) and POST /reviews/{applicationId} (decide one).

A review is claimed once in the applications table before its execution is resumed, so two
reviewers answering at the same time cannot both resume it.
"""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from common.observability import logger, tracer
from prescreening.dal import applications, executions
from prescreening.handlers._http import BadBody, answer, json_body, problem
from prescreening.models import ReviewVerdict, describe_errors

app = APIGatewayRestResolver()

LISTED_FIELDS = ("applicationId", "product", "requestedAmount", "termMonths", "referredAt")


@app.get("/reviews")
@tracer.capture_method
def pending_reviews() -> Response:
    pending = [
        {
            **{key: item[key] for key in LISTED_FIELDS if key in item},
            "reasons": item.get("referralReasons", []),
        }
        for item in applications.pending_reviews()
    ]
    return answer(HTTPStatus.OK, {"reviews": pending})


@app.post("/reviews/<application_id>")
@tracer.capture_method
def decide_review(application_id: str) -> Response:
    try:
        verdict = ReviewVerdict.model_validate(json_body(app.current_event.body))
    except BadBody as error:
        return problem(HTTPStatus.BAD_REQUEST, str(error))
    except ValidationError as error:
        return problem(HTTPStatus.BAD_REQUEST, "invalid review", describe_errors(error))

    review = applications.take_pending_review(application_id)
    if review is None:
        return problem(HTTPStatus.CONFLICT, "no review is pending for this application")
    reasons = [f"{verdict.outcome.value} on review", *([verdict.note] if verdict.note else [])]
    decision = {
        "outcome": verdict.outcome.value,
        "reasons": reasons,
        "reviewedBy": verdict.reviewer,
    }
    try:
        executions.resume_after_review(review["taskToken"], decision)
    except executions.ReviewNoLongerPending:
        return problem(HTTPStatus.CONFLICT, "the review is no longer pending (it timed out)")
    logger.info("review decided", application_id=application_id, outcome=verdict.outcome.value)
    return answer(HTTPStatus.OK, {"applicationId": application_id, **decision})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
