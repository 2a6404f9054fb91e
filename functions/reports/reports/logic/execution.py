"""What a report's execution is given: its record's request, never the requester's email
(personal data stays in the table, out of the execution's input and history)."""

from __future__ import annotations

from typing import Any

EXECUTION_FIELDS = ("reportId", "organisationId", "from", "to", "subRangeDays")


def execution_input(record: dict[str, Any]) -> dict[str, Any]:
    return {field: record[field] for field in EXECUTION_FIELDS}
