"""GET /approvals/{id}: the confirmation page for a signed link (decides nothing).
POST /approvals/{id}: the confirmed decision, sent to the waiting execution once.

A forged, tampered, expired or used link gets a 4xx page saying which, and nothing is sent.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from approval import settings
from approval.dal import approvals, workflow
from approval.dal.link_key import link_key
from approval.logic import links, pages
from approval.models import ApprovalStatus, PendingApproval
from common.observability import logger, tracer

HTML = "text/html; charset=utf-8"
app = APIGatewayRestResolver()


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
    config = settings.load(settings.DecisionSettings)
    link = links.parse(calculation_id, fields)
    if isinstance(link, links.LinkProblem):
        return _refused(calculation_id, link)
    approval = approvals.find(config.requests_table, calculation_id)
    problem = links.check(link_key(config.link_key_secret), link, approval, now=int(time.time()))
    if problem or approval is None:
        return _refused(calculation_id, problem or links.LinkProblem.FORGED)
    return link, approval


@app.get("/approvals/<calculation_id>")
def confirmation_page(calculation_id: str) -> Response:
    checked = _checked(calculation_id, dict(app.current_event.query_string_parameters or {}))
    if isinstance(checked, Response):
        return checked
    link, approval = checked
    return _html(200, pages.confirmation(approval, link))


@app.post("/approvals/<calculation_id>")
def confirm(calculation_id: str) -> Response:
    # The page's form posts the signed fields; `curl -X POST '<link>'` sends them in the query.
    fields = dict(app.current_event.query_string_parameters or {})
    fields.update(parse_qsl(app.current_event.decoded_body or ""))
    checked = _checked(calculation_id, fields)
    if isinstance(checked, Response):
        return checked
    link, pending = checked
    config = settings.load(settings.DecisionSettings)
    decided_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        # The approver is whoever the email went to: the signed link stands for them.
        approval = approvals.claim(
            config.requests_table, calculation_id, link.decision, pending.approver, decided_at
        )
    except approvals.AlreadyDecided:
        return _refused(calculation_id, links.LinkProblem.USED)
    return _deliver(config.requests_table, approval, link)


def _deliver(table: str, approval: PendingApproval, link: links.SignedLink) -> Response:
    if approval.task_token is None:  # claimed, yet no token: an item written by something else
        return _refused(approval.calculation_id, links.LinkProblem.USED)
    try:
        workflow.succeed(
            approval.task_token,
            {
                "decision": link.decision.outcome,
                "decidedBy": approval.decided_by,
                "decidedAt": approval.decided_at,
            },
        )
    except workflow.TokenNoLongerAccepted:
        approvals.settle(table, approval.calculation_id, ApprovalStatus.TIMED_OUT)
        return _refused(approval.calculation_id, links.LinkProblem.EXPIRED)
    except Exception:
        approvals.release(table, approval.calculation_id, link.decision)
        logger.exception(
            "decision not delivered", extra={"calculation_id": approval.calculation_id}
        )
        return _html(503, pages.unavailable())
    approvals.settle(table, approval.calculation_id, approval.status)
    logger.info(
        "decision delivered",
        extra={"calculation_id": approval.calculation_id, "decision": link.decision.outcome},
    )
    return _html(200, pages.decided(approval, link.decision))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
