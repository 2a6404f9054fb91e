"""What GET /reports/{id} answers, from the report's record."""

from __future__ import annotations

from typing import Any

# Made: SUCCEEDED, or EXPIRED once the bucket's lifecycle has removed the file.
MADE = ("SUCCEEDED", "EXPIRED")


def describe_report(record: dict[str, Any], link: str | None) -> dict[str, Any]:
    total = record.get("subReportsTotal")
    if record["status"] in MADE:
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
    if record["status"] in MADE:
        answer["rowCount"] = record["rowCount"]
    if record["status"] == "SUCCEEDED":
        answer["download"] = link
    if record["status"] == "EXPIRED":
        answer["reason"] = "the report's file was removed after its retention; request it again"
    if record["status"] == "FAILED":
        answer["reason"] = record.get("reason", "unknown")
    return answer
