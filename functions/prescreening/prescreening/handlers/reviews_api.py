"""GET /reviews (referrals waiting for a person) and POST /reviews/{applicationId} (decide one).

The reviewer recorded is the caller the StaffAuthorizer let in (its token's subject); the body
holds only the verdict. A review is claimed once in the applications table before its execution
is resumed, so two reviewers answering at the same time cannot both resume it; a claim whose
answer could not be sent is released, so the referral stays reviewable.
"""

from functools import partial
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from common import stepfunctions
from common.http import api_handler, caller_subject, json_response, problem, rest_api
from common.observability import logger, traced
from common.settings import load_settings
from common.stepfunctions import AnswerNotDelivered, Delivery
from prescreening.dal import applications
from prescreening.models import ReviewVerdict
from prescreening.settings import ApplicationsSettings

settings = load_settings(ApplicationsSettings)
app = rest_api()

LISTED_FIELDS = ("applicationId", "product", "requestedAmount", "termMonths", "referredAt")


@app.get("/reviews")
@traced
def pending_reviews() -> Response[str]:
    pending = [
        {
            **{key: item[key] for key in LISTED_FIELDS if key in item},
            "reasons": item.get("referralReasons", []),
        }
        for item in applications.pending_reviews(settings.applications_table)
    ]
    return json_response(HTTPStatus.OK, {"reviews": pending})


@app.post("/reviews/<application_id>")
@traced
def decide_review(application_id: str, verdict: ReviewVerdict) -> Response[str]:
    reviewer = caller_subject(app)
    if reviewer is None:  # the route deployed without its authorizer: refuse, record nothing
        return problem(HTTPStatus.UNAUTHORIZED, "a reviewer's token is required")
    # The note stays in the applications table for staff: never in the execution, the
    # published decision or the public status.
    decision = {
        "outcome": verdict.outcome.value,
        "reasons": [f"{verdict.outcome.value} on review"],
        "reviewedBy": reviewer,
    }
    table = settings.applications_table
    try:
        answered = stepfunctions.answer_claimed_task(
            claim=partial(applications.claim_review, table, application_id),
            task_token=lambda review: review.get("taskToken"),
            send=lambda token: stepfunctions.send_task_success(token, decision),
            release=lambda _: applications.release_review(table, application_id),
        )
    except AnswerNotDelivered:
        logger.exception("review not delivered", extra={"application_id": application_id})
        return problem(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "the decision could not be delivered and was not recorded; send it again shortly",
        )
    if answered.delivery is Delivery.NOT_PENDING:
        return problem(HTTPStatus.CONFLICT, "no review is pending for this application")
    if answered.delivery is Delivery.TASK_GONE:
        return problem(HTTPStatus.CONFLICT, "the review is no longer pending (it timed out)")
    if verdict.note:
        applications.note_review(table, application_id, verdict.note)
    logger.info(
        "review decided",
        extra={"application_id": application_id, "outcome": verdict.outcome.value},
    )
    return json_response(HTTPStatus.OK, {"applicationId": application_id, **decision})


handler = api_handler(app)
