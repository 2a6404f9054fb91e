"""The screening log: execution-level and application-level entries in one table.

Key: applicationId + entry ("<LOG TYPE>#<EVENT>"), so a retried step or a redelivered event
overwrites its entry instead of adding another. The ByLogType index (logType + loggedAt) serves
"every execution failure since ..." and the like. Callers pass details already masked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from common.aws import client
from prescreening.dal.items import to_item
from prescreening.settings import settings

BY_LOG_TYPE_INDEX = "ByLogType"
MAX_BATCH = 25


class LogType(StrEnum):
    EXECUTION = "EXECUTION"
    APPLICATION = "APPLICATION"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry(
    application_id: str,
    log_type: LogType,
    event: str,
    details: dict[str, Any],
    execution_name: str | None = None,
    logged_at: str | None = None,
) -> dict[str, Any]:
    return {
        "applicationId": application_id,
        "entry": f"{log_type}#{event}",
        "logType": str(log_type),
        "event": event,
        "loggedAt": logged_at or now(),
        "executionName": execution_name,
        "details": details,
    }


def write(entries: list[dict[str, Any]]) -> None:
    table = settings().screening_log_table
    dynamodb = client("dynamodb")
    for start in range(0, len(entries), MAX_BATCH):
        requests = [
            {"PutRequest": {"Item": to_item(e)}} for e in entries[start : start + MAX_BATCH]
        ]
        pending = {table: requests}
        # BatchWriteItem may hand back what it could not write yet; botocore already retried
        # throttling, so a few more rounds are enough.
        for _ in range(5):
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})
            if not pending:
                break
        else:
            raise RuntimeError("screening log: entries left unwritten after 5 rounds")
