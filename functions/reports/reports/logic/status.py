"""What GET /reports/{id} answers, from the report's record."""

from __future__ import annotations

from typing import Any


def describe_report(record: dict[str, Any], link: str | None) -> dict[str, Any]:
    total = record.get("subReportsTotal")
    if record["status"] == "SUCCEEDED":
        # Each attempt records its own end, and an attempt Step Functions stopped waiting for
        # (its task timed out, another attempt ran) may end after the report did: a report that
        # succeeded has every sub-report done, whatever late attempts wrote.
        progress = {"done": total, "failed": 0, "total": total}
    else:
        progress = {
            "done": len(record.get("subReportsDone") or ()),
            "failed": len(record.get("subReportsFailed") or ()),
            "total": total,
        }
    answer: dict[str, Any] = {
        "id": record["reportId"],
        "organisationId": record["organisationId"],
        "from": record["from"],
        "to": record["to"],
        "status": record["status"],
        "subReports": progress,
    }
    if record["status"] == "SUCCEEDED":
        answer["rowCount"] = record["rowCount"]
        answer["download"] = link
    if record["status"] == "FAILED":
        answer["reason"] = record.get("reason", "unknown")
    return answer
