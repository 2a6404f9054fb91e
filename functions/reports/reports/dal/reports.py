"""Each report's record: who may read it, where the requester is told, and its progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from common.aws import table
from common.dynamodb import from_item, query_items, to_item, written


def create(table_name: str, record: dict[str, Any]) -> None:
    table(table_name).put_item(
        Item=to_item({**record, "status": "RUNNING", "createdAt": _now()}),
        ConditionExpression="attribute_not_exists(reportId)",
    )


BY_STATUS = "byStatus"  # GSI: status (hash), createdAt (range)
RUNNING_PAGE = 100  # index entries the sweeper reads per query


def running_since_before(
    table_name: str, moment: datetime, max_pages: int
) -> Iterator[dict[str, Any]]:
    """The RUNNING reports created before `moment`, oldest first; at most `max_pages` pages."""
    condition = Key("status").eq("RUNNING") & Key("createdAt").lt(
        moment.astimezone(UTC).isoformat(timespec="seconds")
    )
    yield from query_items(
        table_name,
        max_pages,
        IndexName=BY_STATUS,
        KeyConditionExpression=condition,
        Limit=RUNNING_PAGE,
    )


def get(table_name: str, report_id: str) -> dict[str, Any] | None:
    item = table(table_name).get_item(Key={"reportId": report_id}, ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def set_total(table_name: str, report_id: str, total: int) -> None:
    table(table_name).update_item(
        Key={"reportId": report_id},
        UpdateExpression="SET subReportsTotal = :total",
        ExpressionAttributeValues={":total": total},
    )


# Sets of sub-report indexes, so a sub-report run twice (a retry) is counted once.
def sub_report_done(table_name: str, report_id: str, index: int) -> None:
    table(table_name).update_item(
        Key={"reportId": report_id},
        UpdateExpression="ADD subReportsDone :index DELETE subReportsFailed :index",
        ExpressionAttributeValues={":index": {str(index)}},
    )


def sub_report_failed(table_name: str, report_id: str, index: int) -> None:
    table(table_name).update_item(
        Key={"reportId": report_id},
        UpdateExpression="ADD subReportsFailed :index",
        ExpressionAttributeValues={":index": {str(index)}},
    )


def succeeded(table_name: str, report_id: str, row_count: int, key: str) -> bool:
    """RUNNING -> SUCCEEDED; False if the report had already finished (a retried step)."""
    return _finish(
        table_name,
        report_id,
        "SET #status = :done, rowCount = :rows, objectKey = :key, finishedAt = :at",
        {":done": "SUCCEEDED", ":rows": row_count, ":key": key},
    )


def failed(table_name: str, report_id: str, reason: str) -> bool:
    """RUNNING -> FAILED; False if the report had already finished: a report made is never
    turned FAILED by a later step's error (its notice, say)."""
    return _finish(
        table_name,
        report_id,
        "SET #status = :failed, reason = :reason, finishedAt = :at",
        {":failed": "FAILED", ":reason": reason},
    )


def claim_notice(table_name: str, report_id: str, notice: str) -> bool:
    """Take the right to send the requester this notice ("ready" or "failed") for this report:
    True once, False on every later call (a retried step sends nothing twice)."""
    return written(
        lambda: table(table_name).update_item(
            Key={"reportId": report_id},
            UpdateExpression="SET #notice = :at",
            ConditionExpression="attribute_exists(reportId) AND attribute_not_exists(#notice)",
            ExpressionAttributeNames={"#notice": f"{notice}NoticeAt"},
            ExpressionAttributeValues={":at": _now()},
        )
    )


def _finish(table_name: str, report_id: str, update: str, values: dict[str, Any]) -> bool:
    return written(
        lambda: table(table_name).update_item(
            Key={"reportId": report_id},
            UpdateExpression=update,
            ConditionExpression="#status = :running",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={**values, ":running": "RUNNING", ":at": _now()},
        )
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
