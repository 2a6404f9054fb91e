"""What GET /reports/{id} answers, from the report's record."""

from __future__ import annotations

from typing import Any


def describe_report(record: dict[str, Any], link: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": record["reportId"],
        "organisationId": record["organisationId"],
        "from": record["from"],
        "to": record["to"],
        "status": record["status"],
        "subReports": {
            "done": len(record.get("subReportsDone") or ()),
            "failed": len(record.get("subReportsFailed") or ()),
            "total": record.get("subReportsTotal"),
        },
    }
    if record["status"] == "SUCCEEDED":
        answer["rowCount"] = record["rowCount"]
        answer["download"] = link
    if record["status"] == "FAILED":
        answer["reason"] = record.get("reason", "unknown")
    return answer
