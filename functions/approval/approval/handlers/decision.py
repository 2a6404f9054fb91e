"""GET /approvals/{id}: the confirmation page for a signed link (decides nothing).
POST /approvals/{id}: the confirmed decision, sent to the waiting execution once.

A forged, tampered, expired or used link gets a 4xx page saying which, and nothing is sent.
"""

import time
from datetime import UTC, datetime
from functools import partial
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response

from approval.dal import approvals
from approval.dal.link_key import link_key
from approval.logic import links, pages
from approval.models import ApprovalStatus, PendingApproval
from approval.settings import DecisionSettings
from common import stepfunctions
from common.http import api_handler, rest_api
from common.observability import logger
from common.settings import load_settings
from common.stepfunctions import AnswerNotDelivered, Delivery

settings = load_settings(DecisionSettings)
HTML = "text/html; charset=utf-8"
app = rest_api()


def _html(status: int, body: str) -> Response:
    # no-store: a decision page must not be served from a cache after it was used.
    return Response(
        status_code=status, content_type=HTML, body=body, headers={"Cache-Control": "no-store"}
    )


def _refused(calculation_id: str, problem: links.LinkProblem) -> Response:
    logger.info("link refused", extra={"calculation_id": calculation_id, "problem": problem})
    return _html(problem.status_code, pages.refused(problem))


def _checked(
    calculation_id: str, fields: dict[str, str]
) -> tuple[links.SignedLink, PendingApproval] | Response:
    link = links.parse(calculation_id, fields)
    if isinstance(link, links.LinkProblem):
        return _refused(calculation_id, link)
    approval = approvals.find(settings.requests_table, calculation_id)
    problem = links.check(link_key(settings.link_key_secret), link, approval, now=int(time.time()))
    if problem or approval is None:
        return _refused(calculation_id, problem or links.LinkProblem.FORGED)
    return link, approval


@app.get("/approvals/<calculation_id>")
def confirmation_page(calculation_id: str) -> Response[str]:
    checked = _checked(calculation_id, dict(app.current_event.query_string_parameters or {}))
    if isinstance(checked, Response):
        return checked
    link, approval = checked
    return _html(200, pages.confirmation(approval, link))


@app.post("/approvals/<calculation_id>")
def confirm(calculation_id: str) -> Response[str]:
    # The page's form posts the signed fields; `curl -X POST '<link>'` sends them in the query.
    fields = dict(app.current_event.query_string_parameters or {})
    fields.update(parse_qsl(app.current_event.decoded_body or ""))
    checked = _checked(calculation_id, fields)
    if isinstance(checked, Response):
        return checked
    link, pending = checked
    # The approver is whoever the email went to: the signed link stands for them.
    # Who decided stays in the approvals table: the execution (its history, its output) gets
    # the decision and its time, never the approver's email.
    decided_by, decided_at = pending.approver, datetime.now(UTC).isoformat(timespec="seconds")
    output = {"decision": link.decision.outcome, "decidedAt": decided_at}
    table = settings.requests_table
    try:
        answered = stepfunctions.answer_claimed_task(
            claim=partial(
                approvals.claim, table, calculation_id, link.decision, decided_by, decided_at
            ),
            task_token=lambda approval: approval.task_token,
            send=lambda token: stepfunctions.send_task_success(token, output),
            release=lambda approval: approvals.release(table, calculation_id, link.decision),
        )
    except AnswerNotDelivered:
        logger.exception("decision not delivered", extra={"calculation_id": calculation_id})
        return _html(503, pages.unavailable())
    approval = answered.claimed
    if answered.delivery is Delivery.NOT_PENDING or approval is None:
        return _refused(calculation_id, links.LinkProblem.USED)
    if answered.delivery is Delivery.TASK_GONE:
        approvals.settle(table, calculation_id, ApprovalStatus.TIMED_OUT)
        return _refused(calculation_id, links.LinkProblem.EXPIRED)
    approvals.settle(table, calculation_id, approval.status)
    logger.info(
        "decision delivered",
        extra={"calculation_id": calculation_id, "decision": link.decision.outcome},
    )
    return _html(200, pages.decided(approval, link.decision))


handler = api_handler(app)
