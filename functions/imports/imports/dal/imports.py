"""The imports table: one record per import (key importId), with its object, organisation,
status and counts; the importer task updates its checkpoint and counts as it goes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from common.aws import table
from common.dynamodb import from_item


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checked(table_name: str, record: dict[str, Any], refused_because: list[str]) -> None:
    """The quick check's outcome: CHECKED, or REFUSED with why (the record is made here)."""
    status = "REFUSED" if refused_because else "CHECKED"
    item = {**record, "status": status, "updatedAt": now(), "createdAt": now()}
    if refused_because:
        item["problems"] = refused_because
    table(table_name).put_item(Item=item)


def get(table_name: str, import_id: str) -> dict[str, Any] | None:
    item = table(table_name).get_item(Key={"importId": import_id}).get("Item")
    return from_item(item) if item else None
