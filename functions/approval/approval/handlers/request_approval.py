"""Approval: keep the task token server-side and email the approver two signed links.

The state waits (waitForTaskToken) until a confirmed link sends the decision, or times out.
"""

import time
from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from approval.dal import approvals
from approval.dal.link_key import link_key
from approval.logic import links, pages
from approval.models import ApprovalTask, Decision, PendingApproval
from approval.settings import RequestApprovalSettings
from common import mail
from common.observability import instrumented, logger
from common.settings import load_settings

settings = load_settings(RequestApprovalSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    task = ApprovalTask.model_validate(event)
    # The links live exactly as long as the state waits for them.
    approval = PendingApproval(
        calculation_id=task.calculation_id,
        execution_arn=task.execution_arn,
        x=task.x,
        y=task.y,
        sum=task.sum,
        doubled=task.doubled,
        expires=int(time.time()) + task.timeout_seconds,
        approver=settings.approver_email,
        task_token=task.task_token,
    )
    approvals.save(settings.requests_table, approval)
    # The email goes once, whatever the retries: claimed by a conditional write before sending
    # (a lease: if this invocation dies before sending, a later retry claims it again).
    if not approvals.claim_email(
        settings.requests_table, approval.calculation_id, int(time.time())
    ):
        logger.info(
            "approval email already sent: task token handed over",
            extra={"calculation_id": approval.calculation_id},
        )
        return {"calculationId": approval.calculation_id, "expires": approval.expires}
    message_id = _email_approver(approval)
    approvals.mark_emailed(
        settings.requests_table,
        approval.calculation_id,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    logger.info(
        "approval requested",
        extra={"calculation_id": approval.calculation_id, "message_id": message_id},
    )
    return {"calculationId": approval.calculation_id, "expires": approval.expires}


def _email_approver(approval: PendingApproval) -> str:
    """Email the approver the signed approve and reject links; SES's message id. A failed send
    releases the email's claim, so the state's retry sends it."""
    key = link_key(settings.link_key_secret)
    api_url = str(settings.api_url)
    approve, reject = (
        links.issue(key, approval.calculation_id, decision, approval.expires).url(api_url)
        for decision in (Decision.APPROVE, Decision.REJECT)
    )
    try:
        return mail.send_email(
            sender=settings.sender_email,
            recipient=settings.approver_email,
            subject=f"Approval needed: calculation {approval.calculation_id}",
            text=pages.email_text(approval, approve, reject),
            html=pages.email_html(approval, approve, reject),
        )
    except Exception:
        approvals.release_email(settings.requests_table, approval.calculation_id)
        raise
