"""Imports: a small file of one organisation's activity, two of its lines bad, put in the imports
bucket; prints the import's counts, its refused rows (line and reason) and what an operator sees
at GET /imports/{id}."""

from __future__ import annotations

import uuid
from datetime import date

import requests

from devkit import local_issuer, prospect_activity
from devkit.local_cloud import client

TIMEOUT = 30


def run(outputs: dict[str, str]) -> None:
    organisation = f"demo-{uuid.uuid4().hex[:6]}"
    items = prospect_activity.busy_day(organisation, date(2025, 3, 3), 40)
    body = prospect_activity.as_import_file(items).decode().splitlines()
    body[2] = body[2].replace("@", " at ")  # an address that is not one
    body[4] = ",".join(body[4].split(",")[:3])  # a line cut short
    key = f"imports/{organisation}/march.csv"
    execution = prospect_activity.import_activity(outputs, key, "\n".join(body).encode(), 300)
    if execution.status != "SUCCEEDED":
        raise RuntimeError(f"the import of {key} failed: {execution.error}")
    counts = execution.output
    print(
        f"{key}: {counts['rows']} rows, {counts['imported']} imported, {counts['refused']} refused"
    )
    refused = client("s3").get_object(
        Bucket=outputs["ImportsBucketName"], Key=counts["refusedRowsKey"]
    )
    print(refused["Body"].read().decode().rstrip())

    token = local_issuer.token_for("olu", ["operator"], {})
    answer = requests.get(
        f"{outputs['ApiUrl']}/imports/{counts['importId']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    print(f"GET /imports/{counts['importId']} (operator) -> {answer.status_code} {answer.json()}")
