"""Reports: a year of one organisation's prospect activity (uneven days) loaded, one report
requested over the REST API as an analyst of that organisation, its progress followed; prints
the link, the row count and the sub-reports."""

from __future__ import annotations

import time
import uuid
from datetime import date

import boto3
import requests

from devkit import local_issuer, prospect_activity

TIMEOUT = 30
DEADLINE_S = 300


def run(outputs: dict[str, str]) -> None:
    organisation = f"demo-{uuid.uuid4().hex[:6]}"
    table = boto3.resource("dynamodb").Table(outputs["ProspectActivityTableName"])
    items = prospect_activity.sample_activity(organisation, date(2025, 1, 1), date(2025, 12, 31), 8)
    print(f"loaded {prospect_activity.load(table, items)} activity records of {organisation}")

    # The analyst signs in (here, a token from the local issuer with the org claim).
    token = local_issuer.token_for("ana", ["analyst"], {"org": organisation})
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "organisationId": organisation,
        "from": "2025-01-01",
        "to": "2025-12-31",
        "email": "ana@example.com",
        "subRangeDays": 7,
    }
    answer = requests.post(
        f"{outputs['ApiUrl']}/reports", json=body, headers=headers, timeout=TIMEOUT
    )
    answer.raise_for_status()
    report_id = answer.json()["id"]
    print(f"POST /reports -> {answer.status_code}, report {report_id}")

    deadline = time.monotonic() + DEADLINE_S
    last = None
    while True:
        status = requests.get(
            f"{outputs['ApiUrl']}/reports/{report_id}", headers=headers, timeout=TIMEOUT
        ).json()
        progress = status["subReports"]
        line = (
            f"  {status['status']}: sub-reports {progress['done']}/{progress['total']} done,"
            f" {progress['failed']} failed"
        )
        if line != last:
            print(line, flush=True)
            last = line
        if status["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"report {report_id} still running after {DEADLINE_S} s")
        time.sleep(0.5)
    if status["status"] != "SUCCEEDED":
        raise RuntimeError(f"report {report_id} failed: {status.get('reason')}")
    print(f"rows: {status['rowCount']}")
    print(f"download (expires): {status['download']}")
