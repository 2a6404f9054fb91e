"""The applications table: each application's status and decision, never personal data.

A referral waiting for a person carries reviewQueue = "PENDING" (a sparse index, PendingReviews,
lists exactly those) and the task token that resumes its execution.
"""

from __future__ import annotations

import contextlib
from typing import Any

from common.aws import client
from prescreening.dal.items import from_item, to_item
from prescreening.dal.screening_log import now
from prescreening.settings import settings

PENDING_REVIEWS_INDEX = "PendingReviews"
PENDING = "PENDING"


class Status:
    SCREENING = "screening"
    AWAITING_REVIEW = "awaiting_review"
    DECIDED = "decided"


def _update(application_id: str, values: dict[str, Any], remove: tuple[str, ...] = ()):
    serialised = to_item(values)  # drops None values
    expression = "SET " + ", ".join(f"#{key} = :{key}" for key in serialised)
    if remove:
        expression += " REMOVE " + ", ".join(f"#{key}" for key in remove)
    return client("dynamodb").update_item(
        TableName=settings().applications_table,
        Key={"applicationId": {"S": application_id}},
        UpdateExpression=expression,
        ExpressionAttributeNames={f"#{key}": key for key in [*serialised, *remove]},
        ExpressionAttributeValues={f":{key}": value for key, value in serialised.items()},
    )


def mark_screening(application_id: str, summary: dict[str, Any]) -> None:
    """The application entered screening (a rerun of the step leaves a decided one alone)."""
    values = to_item({"status": Status.SCREENING, "receivedAt": now(), **summary})
    dynamodb = client("dynamodb")
    with contextlib.suppress(dynamodb.exceptions.ConditionalCheckFailedException):
        dynamodb.update_item(
            TableName=settings().applications_table,
            Key={"applicationId": {"S": application_id}},
            UpdateExpression="SET " + ", ".join(f"#{key} = :{key}" for key in values),
            ConditionExpression="attribute_not_exists(#status) OR #status <> :decided",
            ExpressionAttributeNames={f"#{key}": key for key in values},
            ExpressionAttributeValues={f":{key}": value for key, value in values.items()}
            | {":decided": {"S": Status.DECIDED}},
        )


def await_review(application_id: str, reasons: list[str], task_token: str) -> None:
    _update(
        application_id,
        {
            "status": Status.AWAITING_REVIEW,
            "reviewQueue": PENDING,
            "referredAt": now(),
            "referralReasons": reasons,
            "taskToken": task_token,
        },
    )


def take_pending_review(application_id: str) -> dict[str, Any] | None:
    """Claim a pending review (once: a second claim finds none); returns it with its token."""
    dynamodb = client("dynamodb")
    try:
        answer = dynamodb.update_item(
            TableName=settings().applications_table,
            Key={"applicationId": {"S": application_id}},
            UpdateExpression="REMOVE reviewQueue",
            ConditionExpression="reviewQueue = :pending",
            ExpressionAttributeValues={":pending": {"S": PENDING}},
            ReturnValues="ALL_OLD",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return None
    return from_item(answer["Attributes"])


def record_decision(application_id: str, decision: dict[str, Any]) -> None:
    _update(
        application_id,
        {"status": Status.DECIDED, "decidedAt": now(), **decision},
        remove=("reviewQueue", "taskToken"),
    )


def get(application_id: str) -> dict[str, Any] | None:
    item = client("dynamodb").get_item(
        TableName=settings().applications_table,
        Key={"applicationId": {"S": application_id}},
        ConsistentRead=True,
    )
    return from_item(item["Item"]) if "Item" in item else None


def pending_reviews(limit: int = 100) -> list[dict[str, Any]]:
    answer = client("dynamodb").query(
        TableName=settings().applications_table,
        IndexName=PENDING_REVIEWS_INDEX,
        KeyConditionExpression="reviewQueue = :pending",
        ExpressionAttributeValues={":pending": {"S": PENDING}},
        Limit=limit,
    )
    return [from_item(item) for item in answer["Items"]]
