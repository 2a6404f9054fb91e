"""The communications table. Every status change is a conditional write, so an attempt is
claimed once: a message delivered twice, or a re-send asked twice, never sends twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from common.aws import table
from common.dynamodb import conditional, from_item, to_item
from comms.models import Status

BY_STATUS = "byStatus"  # GSI: status (hash), created (range)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def put_new(table_name: str, item: dict[str, Any]) -> None:
    table(table_name).put_item(Item=to_item(item), ConditionExpression=Attr("id").not_exists())


def get(table_name: str, communication_id: str) -> dict[str, Any] | None:
    item = table(table_name).get_item(Key={"id": communication_id}, ConsistentRead=True)
    return from_item(item["Item"]) if "Item" in item else None


def claim(
    table_name: str, communication_id: str, attempt: int, allowed: tuple[Status, ...], to: Status
) -> bool:
    """Claim attempt `attempt` (status -> `to`) if the communication is unsent, in one of the
    `allowed` statuses, and no attempt this high was claimed before."""
    written = conditional(
        lambda: table(table_name).update_item(
            Key={"id": communication_id},
            UpdateExpression="SET #status = :to, claimedAttempt = :attempt",
            ConditionExpression=(
                Attr("sent").eq(0)
                & Attr("status").is_in([str(status) for status in allowed])
                & (Attr("claimedAttempt").not_exists() | Attr("claimedAttempt").lt(attempt))
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":to": str(to), ":attempt": attempt},
        )
    )
    return written is not None


def mark_sent(table_name: str, communication_id: str, attempt: int, provider_id: str) -> None:
    table(table_name).update_item(
        Key={"id": communication_id},
        UpdateExpression=(
            "SET #status = :sent_status, sent = :one, attempts = :attempt, sentAt = :now, "
            "providerMessageId = :provider_id REMOVE lastError"
        ),
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":sent_status": str(Status.SENT),
            ":one": 1,
            ":attempt": attempt,
            ":now": now_iso(),
            ":provider_id": provider_id,
        },
    )


def mark_failed_attempt(
    table_name: str, communication_id: str, attempt: int, status: Status, reason: str
) -> None:
    table(table_name).update_item(
        Key={"id": communication_id},
        UpdateExpression="SET #status = :status, attempts = :attempt, lastError = :reason",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":status": str(status), ":attempt": attempt, ":reason": reason},
    )


def settle(table_name: str, communication_id: str, frm: Status, to: Status) -> bool:
    """One status change, once: RETRYING -> FAILED or MANUAL once the queue attempts are
    spent, SENDING -> RETRYING for an attempt the worker never finished."""
    written = conditional(
        lambda: table(table_name).update_item(
            Key={"id": communication_id},
            UpdateExpression="SET #status = :to",
            ConditionExpression=Attr("status").eq(str(frm)) & Attr("sent").eq(0),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":to": str(to)},
        )
    )
    return written is not None


# A filter that matches few communications must not make one request read the whole index: past
# this many reads the caller gets what was found and a cursor to go on from.
MAX_QUERIES_PER_PAGE = 10


def failed_page(
    table_name: str,
    *,
    type_: str | None,
    created_by: str | None,
    created_after: str | None,
    limit: int,
    start_key: dict[str, str] | None,
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """Up to `limit` FAILED communications, oldest first, and the key to go on from (None at
    the end). Filters apply before the limit, so a page is short at the end, or when a sparse
    filter found fewer in the MAX_QUERIES_PER_PAGE reads one request may make."""
    condition = Key("status").eq(str(Status.FAILED))
    if created_after:
        condition &= Key("created").gt(created_after)
    query: dict[str, Any] = {"IndexName": BY_STATUS, "KeyConditionExpression": condition}
    filters = []
    if type_:
        filters.append(Attr("type").eq(type_))
    if created_by:
        filters.append(Attr("createdBy").eq(created_by))
    if filters:
        combined = filters[0]
        for extra in filters[1:]:
            combined &= extra
        query["FilterExpression"] = combined
    items: list[dict[str, Any]] = []
    key = start_key
    for _ in range(MAX_QUERIES_PER_PAGE):
        page = table(table_name).query(
            **query, Limit=limit, **({"ExclusiveStartKey": key} if key else {})
        )
        for item in page.get("Items", []):
            items.append(from_item(item))
            if len(items) == limit:
                last = items[-1]
                more = "LastEvaluatedKey" in page or item is not page["Items"][-1]
                return items, (_key(last) if more else None)
        key = page.get("LastEvaluatedKey")
        if not key:
            return items, None
    return items, _key(key)


def _key(item: dict[str, Any]) -> dict[str, str]:
    return {"id": item["id"], "status": item["status"], "created": item["created"]}


def all_failed_ids(table_name: str) -> Iterator[str]:
    """Every FAILED communication's id, oldest first (a projection of ids only)."""
    key = None
    while True:
        page = table(table_name).query(
            IndexName=BY_STATUS,
            KeyConditionExpression=Key("status").eq(str(Status.FAILED)),
            ProjectionExpression="id",
            **({"ExclusiveStartKey": key} if key else {}),
        )
        for item in page.get("Items", []):
            yield item["id"]
        key = page.get("LastEvaluatedKey")
        if not key:
            return
