"""Each report's record: who may read it, where the requester is told, and its progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from common.aws import table
from common.dynamodb import from_item, to_item


def create(table_name: str, record: dict[str, Any]) -> None:
    table(table_name).put_item(
        Item=to_item({**record, "status": "RUNNING", "createdAt": _now()}),
        ConditionExpression="attribute_not_exists(reportId)",
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


def succeeded(table_name: str, report_id: str, row_count: int, key: str) -> None:
    table(table_name).update_item(
        Key={"reportId": report_id},
        UpdateExpression=(
            "SET #status = :done, rowCount = :rows, objectKey = :key, finishedAt = :at"
        ),
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":done": "SUCCEEDED",
            ":rows": row_count,
            ":key": key,
            ":at": _now(),
        },
    )


def failed(table_name: str, report_id: str, reason: str) -> None:
    table(table_name).update_item(
        Key={"reportId": report_id},
        UpdateExpression="SET #status = :failed, reason = :reason, finishedAt = :at",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":failed": "FAILED", ":reason": reason, ":at": _now()},
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
