"""The approvals table: one item per calculation awaiting (or past) its approval.

It is where the task token lives while the approver decides; a decision claims the item with
a conditional write, so two clicks (or a replayed link) can never both send an answer.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from approval.models import ApprovalEmailInFlight, ApprovalStatus, Decision, PendingApproval
from common.aws import table
from common.dynamodb import conditional, from_item, to_item

# Longer than the function that claims runs (its Timeout, 30 s): a lapsed claim's holder is
# dead. The Approval state retries ApprovalEmailInFlight no sooner (tests/unit check both).
EMAIL_LEASE_SECONDS = 60


# Item attribute names (camelCase) for the model's fields.
_ATTRIBUTES = {
    "calculation_id": "calculationId",
    "execution_arn": "executionArn",
    "task_token": "taskToken",
    "decided_by": "decidedBy",
    "decided_at": "decidedAt",
}


def _item(approval: PendingApproval) -> dict:
    values = approval.model_dump(mode="json")
    return to_item({_ATTRIBUTES.get(name, name): value for name, value in values.items()})


def _approval(item: dict) -> PendingApproval:
    values = from_item(item)
    by_attribute = {attribute: name for name, attribute in _ATTRIBUTES.items()}
    return PendingApproval.model_validate(
        {by_attribute.get(key, key): value for key, value in values.items()}
    )


def _decided(decision: Decision) -> ApprovalStatus:
    return ApprovalStatus.APPROVED if decision is Decision.APPROVE else ApprovalStatus.REJECTED


def save(table_name: str, approval: PendingApproval) -> None:
    """Keep the request. A retried Approval state (same execution) only hands over its new
    task token: the approval is not reset, so a decision taken meanwhile stands and the links
    already emailed keep working."""
    approvals = table(table_name)
    new = conditional(
        lambda: approvals.put_item(
            Item=_item(approval),
            ConditionExpression="attribute_not_exists(calculationId) OR executionArn <> :arn",
            ExpressionAttributeValues={":arn": approval.execution_arn},
        )
    )
    if new is None:
        approvals.update_item(
            Key={"calculationId": approval.calculation_id},
            UpdateExpression="SET taskToken = :token",
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":token": approval.task_token,
                ":pending": ApprovalStatus.PENDING.value,
            },
        )


def claim_email(table_name: str, calculation_id: str, now: int) -> bool:
    """Take the right to send the approval email (once per calculation) for
    EMAIL_LEASE_SECONDS: True if this call took it, False if the email was sent already.
    Raises ApprovalEmailInFlight while another attempt's claim runs; once it has lapsed that
    attempt died before sending, and this one takes the claim."""
    try:
        table(table_name).update_item(
            Key={"calculationId": calculation_id},
            UpdateExpression="SET emailClaimedUntil = :until",
            ConditionExpression=(
                "attribute_not_exists(emailedAt) AND "
                "(attribute_not_exists(emailClaimedUntil) OR emailClaimedUntil < :now)"
            ),
            ExpressionAttributeValues={":now": now, ":until": now + EMAIL_LEASE_SECONDS},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        if "emailedAt" in error.response.get("Item", {}):
            return False
        raise ApprovalEmailInFlight(calculation_id) from None
    return True


def mark_emailed(table_name: str, calculation_id: str, at: str) -> None:
    table(table_name).update_item(
        Key={"calculationId": calculation_id},
        UpdateExpression="SET emailedAt = :at REMOVE emailClaimedUntil",
        ExpressionAttributeValues={":at": at},
    )


def release_email(table_name: str, calculation_id: str) -> None:
    """The email could not be sent: let the next attempt send it."""
    table(table_name).update_item(
        Key={"calculationId": calculation_id}, UpdateExpression="REMOVE emailClaimedUntil"
    )


def find(table_name: str, calculation_id: str) -> PendingApproval | None:
    """The approval asked for this calculation; None if none was (a calculation that failed
    before its approval has only its failure recorded: status, failureReason)."""
    item = (
        table(table_name)
        .get_item(Key={"calculationId": calculation_id}, ConsistentRead=True)
        .get("Item")
    )
    return _approval(item) if item and "approver" in item else None


def claim(
    table_name: str, calculation_id: str, decision: Decision, decided_by: str, decided_at: str
) -> PendingApproval | None:
    """Mark a PENDING approval decided; returns it with its task token, or None when it was
    no longer pending (already decided, or never asked)."""
    claimed = conditional(
        lambda: table(table_name).update_item(
            Key={"calculationId": calculation_id},
            UpdateExpression="SET #status = :decided, decidedBy = :by, decidedAt = :at",
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":decided": _decided(decision).value,
                ":pending": ApprovalStatus.PENDING.value,
                ":by": decided_by,
                ":at": decided_at,
            },
            ReturnValues="ALL_NEW",
        )
    )
    return _approval(claimed["Attributes"]) if claimed is not None else None


def settle(table_name: str, calculation_id: str, status: ApprovalStatus) -> None:
    """After the answer was sent (or refused as too late): drop the token, keep the outcome."""
    table(table_name).update_item(
        Key={"calculationId": calculation_id},
        UpdateExpression="SET #status = :status REMOVE taskToken",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":status": status.value},
    )


def release(table_name: str, calculation_id: str, decision: Decision) -> None:
    """Undo a claim whose answer could not be delivered, so the approver can try again."""
    table(table_name).update_item(
        Key={"calculationId": calculation_id},
        UpdateExpression="SET #status = :pending REMOVE decidedBy, decidedAt",
        ConditionExpression="#status = :decided",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":pending": ApprovalStatus.PENDING.value,
            ":decided": _decided(decision).value,
        },
    )


def is_pending(table_name: str, calculation_id: str) -> bool:
    approval = find(table_name, calculation_id)
    return approval is not None and approval.status is ApprovalStatus.PENDING
