"""Failed-communications retry: three emails fail (the SES sender is not verified yet) and go
through the queue's attempts to FAILED; the sender is verified; the retry workflow re-sends
them through the API; the outcome and the notification are printed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import boto3
import requests

from devkit import local_issuer
from devkit.local_cloud import wait_until

TIMEOUT = 30
DEADLINE_S = 180


def _status(table, communication_id: str) -> dict:
    return table.get_item(Key={"id": communication_id}, ConsistentRead=True)["Item"]


def run(outputs: dict[str, str]) -> None:
    api = outputs["ApiUrl"]
    operator = {"Authorization": f"Bearer {local_issuer.token_for('ops', ['operator'])}"}
    ses, sfn = boto3.client("ses"), boto3.client("stepfunctions")
    table = boto3.resource("dynamodb").Table(outputs["CommunicationsTableName"])
    sender = outputs["CommsSenderEmail"]

    started = datetime.now(UTC).isoformat(timespec="seconds")
    ses.delete_identity(Identity=sender)
    print(f"SES sender {sender} not verified: emails will be refused")
    ids = []
    for index in range(3):
        answer = requests.post(
            f"{api}/communications",
            json={
                "type": "email",
                "recipient": f"demo-{uuid.uuid4().hex[:6]}-{index}@example.com",
                "subject": "Your statement",
                "body": "Your statement is ready.",
            },
            headers=operator,
            timeout=TIMEOUT,
        )
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    print(f"stored and queued: {', '.join(ids)}")
    for communication_id in ids:
        wait_until(
            lambda cid=communication_id: _status(table, cid)["status"] == "FAILED",
            DEADLINE_S,
            interval=1,
            what=f"{communication_id} FAILED",
        )
    # This run's own, whatever else is FAILED on the stack (the list is paginated).
    listed = requests.get(
        f"{api}/communications/failed",
        params={"type": "email", "createdBy": "ops", "createdAfter": started, "limit": 100},
        headers=operator,
        timeout=TIMEOUT,
    ).json()["communications"]
    for item in listed:
        if item["id"] in ids:
            print(f"  FAILED {item['id']} after {item['attempts']} attempts: {item['lastError']}")

    ses.verify_email_identity(EmailAddress=sender)
    print(f"SES sender {sender} verified; running the retry workflow over the failed list")
    execution = sfn.start_execution(
        stateMachineArn=outputs["CommsRetryStateMachineArn"],
        name=f"Comms-demo-{uuid.uuid4().hex[:12]}",
        input=json.dumps({"communicationIds": ids, "itemConcurrency": len(ids)}),
    )["executionArn"]
    described = wait_until(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
        DEADLINE_S,
        interval=1,
        what="the retry execution",
    )
    print(f"retry execution {described['status']}")
    unsent = []
    for communication_id in ids:
        item = _status(table, communication_id)
        print(f"  {communication_id}: {item['status']}, sent flag {item['sent']}")
        if item["status"] != "SENT":
            unsent.append(communication_id)
    print(
        "(the scheduled rule does the same every minute on the local stack, "
        "every 15 minutes by default)"
    )
    if described["status"] != "SUCCEEDED" or unsent:
        raise RuntimeError(f"the retry execution {described['status']}, not sent: {unsent}")
