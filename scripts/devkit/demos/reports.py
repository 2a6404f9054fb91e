"""Reports: a year of one organisation's prospect activity (uneven days) loaded through an
import (the imports workflow: a CSV put in its bucket, imported by a Fargate task), one report
requested over the REST API as an analyst of that organisation, its progress followed; prints
the link, the row count and the sub-reports."""

from __future__ import annotations

import uuid
from datetime import date

import requests

from devkit import local_issuer, prospect_activity
from devkit.local_cloud import wait_until

TIMEOUT = 30
DEADLINE_S = 300


def request_year_report(api: str, organisation: str, analyst: str) -> tuple[str, dict[str, str]]:
    """POST /reports for the organisation's 2025 in weekly sub-reports, as its analyst; the
    report's id, and the analyst's headers for GET /reports/{id}."""
    # The analyst signs in (here, a token from the local issuer with the org claim and her
    # verified address, where the report is sent).
    claims = {"org": organisation, **local_issuer.verified_email(f"{analyst}@example.com")}
    token = local_issuer.token_for(analyst, ["analyst"], claims)
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "organisationId": organisation,
        "from": "2025-01-01",
        "to": "2025-12-31",
        "subRangeDays": 7,
    }
    answer = requests.post(f"{api}/reports", json=body, headers=headers, timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()["id"], headers


def report_status(api: str, report_id: str, headers: dict[str, str]) -> dict:
    return requests.get(f"{api}/reports/{report_id}", headers=headers, timeout=TIMEOUT).json()


def run(outputs: dict[str, str]) -> None:
    organisation = f"demo-{uuid.uuid4().hex[:6]}"
    items = prospect_activity.sample_activity(organisation, date(2025, 1, 1), date(2025, 12, 31), 8)
    key = f"imports/{organisation}/2025.csv"
    body = prospect_activity.as_import_file(items)
    imported = prospect_activity.import_activity(outputs, key, body, DEADLINE_S)
    if imported.status != "SUCCEEDED":
        raise RuntimeError(f"the import of {key} failed: {imported.error}")
    print(f"imported {imported.output['imported']} activity records of {organisation} ({key})")

    report_id, headers = request_year_report(outputs["ApiUrl"], organisation, "ana")
    print(f"POST /reports -> 202, report {report_id}")

    shown = []

    def finished() -> dict | None:
        status = report_status(outputs["ApiUrl"], report_id, headers)
        progress = status["subReports"]
        line = (
            f"  {status['status']}: sub-reports {progress['done']}/{progress['total']} done,"
            f" {progress['failed']} failed"
        )
        if line not in shown[-1:]:
            print(line, flush=True)
            shown.append(line)
        return status if status["status"] != "RUNNING" else None

    status = wait_until(finished, DEADLINE_S, interval=0.5, what=f"report {report_id}")
    if status["status"] != "SUCCEEDED":
        raise RuntimeError(f"report {report_id} failed: {status.get('reason')}")
    print(f"rows: {status['rowCount']}")
    print(f"download (expires): {status['download']}")
