"""The screening log: execution-level and application-level entries in one table.

Key: applicationId + entry ("<LOG TYPE>#<EVENT>"), so a retried step or a redelivered event
overwrites its entry instead of adding another. The ByLogType index (logType + loggedAt) serves
"every execution failure since ..." and the like. Callers pass details already masked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from common.dynamodb import write_all

KEY = ("applicationId", "entry")


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


def write(table_name: str, entries: list[dict[str, Any]]) -> None:
    write_all(table_name, entries, keys=KEY)
