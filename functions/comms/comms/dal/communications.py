"""The communications table. Every status change is a conditional write, so an attempt is
claimed once: a message delivered twice, or a re-send asked twice, never sends twice.

A communication in flight (SENDING, RESENDING, RETRYING) carries `settleBy` (epoch seconds):
when it should have left that status. A claim is a lease until then; once it has lapsed its
holder is dead, and the same attempt may be claimed again (or reclaimed by the sweeper)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from common.aws import table
from common.dynamodb import from_item, query_items, to_item, written
from comms.models import Status

BY_STATUS = "byStatus"  # GSI: status (hash), created (range)
# Longer than any function that claims runs (worker 60 s, API 30 s), so a lapsed claim's holder
# is surely dead; with the worker's run, within the queue's visibility timeout (180 s), so a
# message redelivered after its holder died finds the lease lapsed (tests/unit check both).
CLAIM_LEASE_SECONDS = 120
# A QUEUED communication is stored before its message is queued: if queueing failed, nothing
# would ever claim it. It is due to be claimed within this; past it, the sweeper queues its
# message again (a duplicate is harmless: an attempt is claimed once).
QUEUED_LEASE_SECONDS = 900
LAPSED_PAGE = 100  # index entries a sweep reads per query


def now_epoch() -> int:
    return int(time.time())


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
    """Claim attempt `attempt` (status -> `to`, leased for CLAIM_LEASE_SECONDS) if the
    communication is unsent and either in one of the `allowed` statuses with no attempt this
    high claimed before, or still claimed for this very attempt by a holder whose lease lapsed."""
    now = now_epoch()
    fresh = Attr("status").is_in([str(status) for status in allowed]) & (
        Attr("claimedAttempt").not_exists() | Attr("claimedAttempt").lt(attempt)
    )
    lapsed = Attr("status").eq(str(to)) & Attr("claimedAttempt").eq(attempt) & _lapsed_by(now)
    return written(
        lambda: table(table_name).update_item(
            Key={"id": communication_id},
            UpdateExpression="SET #status = :to, claimedAttempt = :attempt, settleBy = :by",
            ConditionExpression=Attr("sent").eq(0) & (fresh | lapsed),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":to": str(to),
                ":attempt": attempt,
                ":by": now + CLAIM_LEASE_SECONDS,
            },
        )
    )


def _lapsed_by(now: int):
    # No settleBy at all: claimed before claims were leases, so long lapsed.
    return Attr("settleBy").not_exists() | Attr("settleBy").lt(now)


def mark_sent(table_name: str, communication_id: str, attempt: int, provider_id: str) -> None:
    table(table_name).update_item(
        Key={"id": communication_id},
        UpdateExpression=(
            "SET #status = :sent_status, sent = :one, attempts = :attempt, sentAt = :now, "
            "providerMessageId = :provider_id REMOVE lastError, settleBy"
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
    table_name: str,
    communication_id: str,
    attempt: int,
    status: Status,
    reason: str,
    settle_by: int | None = None,
) -> None:
    """Attempt `attempt` failed: the communication is `status` with the reason; RETRYING
    waits for its dead-letter message and is given `settle_by`, the time it is overdue."""
    values: dict[str, Any] = {":status": str(status), ":attempt": attempt, ":reason": reason}
    update = "SET #status = :status, attempts = :attempt, lastError = :reason"
    table(table_name).update_item(
        Key={"id": communication_id},
        UpdateExpression=_with_due(update, values, settle_by),
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=values,
    )


def _with_due(update: str, values: dict[str, Any], settle_by: int | None) -> str:
    """`update` (a SET clause) that also sets settleBy to `settle_by`, or removes it (None:
    the communication is no longer in flight)."""
    if settle_by is None:
        return f"{update} REMOVE settleBy"
    values[":by"] = settle_by
    return f"{update}, settleBy = :by"


def settle(
    table_name: str,
    communication_id: str,
    frm: Status,
    to: Status,
    settle_by: int | None = None,
) -> bool:
    """One status change, once: RETRYING -> FAILED or MANUAL once the queue attempts are
    spent, SENDING -> RETRYING for an attempt the worker never finished (due by `settle_by`)."""
    values: dict[str, Any] = {":to": str(to), ":frm": str(frm), ":zero": 0}
    update = _with_due("SET #status = :to", values, settle_by)
    return written(
        lambda: table(table_name).update_item(
            Key={"id": communication_id},
            UpdateExpression=update,
            ConditionExpression="#status = :frm AND sent = :zero",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )
    )


def lapsed(table_name: str, status: Status, now: int, max_pages: int) -> Iterator[dict[str, Any]]:
    """The communications in `status` whose settleBy has passed, oldest first; at most
    `max_pages` pages of LAPSED_PAGE index entries are read (the rest waits for the next
    sweep)."""
    yield from query_items(
        table_name,
        max_pages,
        IndexName=BY_STATUS,
        KeyConditionExpression=Key("status").eq(str(status)),
        FilterExpression=_lapsed_by(now),
        Limit=LAPSED_PAGE,
    )


def take_back(
    table_name: str,
    communication: dict[str, Any],
    to: Status,
    reason: str,
    settle_by: int | None,
) -> bool:
    """A claim whose lease lapsed (its holder died) becomes a failed attempt: status `to`,
    attempts = the claimed attempt. Once: only while it is still that lapsed claim."""
    values: dict[str, Any] = {
        ":frm": communication["status"],
        ":to": str(to),
        ":attempt": communication["claimedAttempt"],
        ":reason": reason,
        ":now": now_epoch(),
        ":zero": 0,
    }
    update = _with_due(
        "SET #status = :to, attempts = :attempt, lastError = :reason", values, settle_by
    )
    return written(
        lambda: table(table_name).update_item(
            Key={"id": communication["id"]},
            UpdateExpression=update,
            ConditionExpression=(
                "#status = :frm AND claimedAttempt = :attempt AND sent = :zero"
                " AND (attribute_not_exists(settleBy) OR settleBy < :now)"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )
    )


def postpone(table_name: str, communication: dict[str, Any], settle_by: int) -> bool:
    """An overdue QUEUED or RETRYING gets a new due time, once (only if it is still in the
    status and has the due time that were read)."""
    condition = "#status = :status AND sent = :zero AND "
    values: dict[str, Any] = {":status": communication["status"], ":zero": 0, ":by": settle_by}
    if "settleBy" in communication:
        condition += "settleBy = :was"
        values[":was"] = communication["settleBy"]
    else:
        condition += "attribute_not_exists(settleBy)"
    return written(
        lambda: table(table_name).update_item(
            Key={"id": communication["id"]},
            UpdateExpression="SET settleBy = :by",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )
    )


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
    found = query_items(
        table_name,
        IndexName=BY_STATUS,
        KeyConditionExpression=Key("status").eq(str(Status.FAILED)),
        ProjectionExpression="id",
    )
    yield from (item["id"] for item in found)
