"""The approvals table: one item per calculation awaiting (or past) its approval.

It is where the task token lives while the approver decides; a decision claims the item with
a conditional write, so two clicks (or a replayed link) can never both send an answer.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from approval.models import ApprovalStatus, Decision, PendingApproval
from common.aws import client


class AlreadyDecided(Exception):
    """The item was no longer PENDING when a decision tried to claim it."""


def _item(approval: PendingApproval) -> dict:
    item = {
        "calculationId": {"S": approval.calculation_id},
        "executionArn": {"S": approval.execution_arn},
        "x": {"N": str(approval.x)},
        "y": {"N": str(approval.y)},
        "sum": {"N": str(approval.sum)},
        "doubled": {"N": str(approval.doubled)},
        "expires": {"N": str(approval.expires)},
        "approver": {"S": approval.approver},
        "status": {"S": approval.status.value},
    }
    if approval.task_token:
        item["taskToken"] = {"S": approval.task_token}
    return item


def _approval(item: dict) -> PendingApproval:
    return PendingApproval(
        calculation_id=item["calculationId"]["S"],
        execution_arn=item["executionArn"]["S"],
        x=int(item["x"]["N"]),
        y=int(item["y"]["N"]),
        sum=int(item["sum"]["N"]),
        doubled=int(item["doubled"]["N"]),
        expires=int(item["expires"]["N"]),
        approver=item["approver"]["S"],
        status=ApprovalStatus(item["status"]["S"]),
        task_token=item.get("taskToken", {}).get("S"),
        decided_by=item.get("decidedBy", {}).get("S"),
        decided_at=item.get("decidedAt", {}).get("S"),
    )


def save(table: str, approval: PendingApproval) -> None:
    # A retried Approval state asks again with a new token: the newest request wins.
    client("dynamodb").put_item(TableName=table, Item=_item(approval))


def find(table: str, calculation_id: str) -> PendingApproval | None:
    item = (
        client("dynamodb")
        .get_item(
            TableName=table, Key={"calculationId": {"S": calculation_id}}, ConsistentRead=True
        )
        .get("Item")
    )
    return _approval(item) if item else None


def claim(
    table: str, calculation_id: str, decision: Decision, decided_by: str, decided_at: str
) -> PendingApproval:
    """Mark a PENDING approval decided; returns it with its task token. Raises AlreadyDecided."""
    status = ApprovalStatus.APPROVED if decision is Decision.APPROVE else ApprovalStatus.REJECTED
    try:
        item = client("dynamodb").update_item(
            TableName=table,
            Key={"calculationId": {"S": calculation_id}},
            UpdateExpression="SET #status = :decided, decidedBy = :by, decidedAt = :at",
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":decided": {"S": status.value},
                ":pending": {"S": ApprovalStatus.PENDING.value},
                ":by": {"S": decided_by},
                ":at": {"S": decided_at},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise AlreadyDecided(calculation_id) from error
        raise
    return _approval(item)


def settle(table: str, calculation_id: str, status: ApprovalStatus) -> None:
    """After the answer was sent (or refused as too late): drop the token, keep the outcome."""
    client("dynamodb").update_item(
        TableName=table,
        Key={"calculationId": {"S": calculation_id}},
        UpdateExpression="SET #status = :status REMOVE taskToken",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":status": {"S": status.value}},
    )


def release(table: str, calculation_id: str, decision: Decision) -> None:
    """Undo a claim whose answer could not be delivered, so the approver can try again."""
    status = ApprovalStatus.APPROVED if decision is Decision.APPROVE else ApprovalStatus.REJECTED
    client("dynamodb").update_item(
        TableName=table,
        Key={"calculationId": {"S": calculation_id}},
        UpdateExpression="SET #status = :pending REMOVE decidedBy, decidedAt",
        ConditionExpression="#status = :decided",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":pending": {"S": ApprovalStatus.PENDING.value},
            ":decided": {"S": status.value},
        },
    )


def is_pending(table: str, calculation_id: str) -> bool:
    approval = find(table, calculation_id)
    return approval is not None and approval.status is ApprovalStatus.PENDING
