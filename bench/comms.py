"""Failed-communications retry on the local cloud: one schedule firing over COUNT failed emails,
against a plain loop of the same sends, side by side in one run.

  - end to end: COUNT (COMMS_BENCH_COUNT, 2,000 by default) FAILED emails in the table; the
    schedule function invoked once, asynchronously as the rule invokes it, starts one execution
    per batch of 20; each item POSTs the re-send endpoint
    through API Gateway and the authorizer, which sends through SES; until every sent flag is 1;
  - plain loop: the same number of SES SendEmail calls, one after another, from this process.
Then every recipient is counted in the local SES store: each must have exactly one email.

    LOCAL_CLOUD_PORT=4579 make bench BENCH=comms
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import requests

from devkit import stack
from devkit.local_cloud import client, endpoint, wait_until

COUNT = int(os.environ.get("COMMS_BENCH_COUNT", "2000"))
TIMEOUT = 30


def _emails_by_recipient() -> Counter:
    messages = requests.get(f"{endpoint()}/_aws/ses", timeout=TIMEOUT).json()["messages"]
    return Counter(
        address
        for message in messages
        for address in message.get("Destination", {}).get("ToAddresses", [])
    )


def _seed_failed(table_name: str, run: str) -> list[str]:
    dynamodb = client("dynamodb")
    ids = [f"bench-{run}-{index:05d}" for index in range(COUNT)]
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for start in range(0, COUNT, 25):
        requests_ = [
            {
                "PutRequest": {
                    "Item": {
                        "id": {"S": communication_id},
                        "type": {"S": "email"},
                        "recipient": {"S": f"{communication_id}@example.com"},
                        "subject": {"S": "Statement"},
                        "body": {"S": "Your statement is ready."},
                        "createdBy": {"S": "bench"},
                        "created": {"S": created},
                        "status": {"S": "FAILED"},
                        "sent": {"N": "0"},
                        "attempts": {"N": "3"},
                        "lastError": {"S": "MessageRejected"},
                    }
                }
            }
            for communication_id in ids[start : start + 25]
        ]
        pending = {table_name: requests_}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
    return ids


def _sent_count(table_name: str, run: str) -> int:
    dynamodb = client("dynamodb")
    count, key = 0, None
    while True:
        page = dynamodb.scan(
            TableName=table_name,
            FilterExpression="begins_with(id, :run) AND sent = :one",
            ExpressionAttributeValues={":run": {"S": f"bench-{run}-"}, ":one": {"N": "1"}},
            Select="COUNT",
            **({"ExclusiveStartKey": key} if key else {}),
        )
        count += page["Count"]
        key = page.get("LastEvaluatedKey")
        if not key:
            return count


def main() -> None:
    outputs = stack.outputs()
    table = outputs["CommunicationsTableName"]
    sender = outputs["CommsSenderEmail"]
    ses = client("ses")
    ses.verify_email_identity(EmailAddress=sender)
    run = uuid.uuid4().hex[:8]
    schedule_function = stack.physical_id("CommsScheduleFunction")

    # Plain loop: the same sends, one after another.
    started = time.perf_counter()
    for index in range(COUNT):
        ses.send_email(
            Source=sender,
            Destination={"ToAddresses": [f"loop-{run}-{index:05d}@example.com"]},
            Message={
                "Subject": {"Data": "Statement"},
                "Body": {"Text": {"Data": "Your statement is ready."}},
            },
        )
    loop_seconds = time.perf_counter() - started

    # End to end: one schedule firing over COUNT failed communications.
    ids = _seed_failed(table, run)
    started = time.perf_counter()
    # As the rule invokes it: asynchronously. (A synchronous invoke holds a connection for as
    # long as the function starts its executions, which run meanwhile.)
    fired_at = _now()
    client("lambda").invoke(
        FunctionName=schedule_function,
        InvocationType="Event",
        Payload=json.dumps(
            {"source": "aws.events", "detail-type": "Scheduled Event", "time": fired_at}
        ),
    )
    wait_until(
        lambda: _sent_count(table, run) == COUNT,
        timeout=1800,
        interval=2,
        what=f"{COUNT} communications re-sent",
    )
    e2e_seconds = time.perf_counter() - started
    executions = _executions_since(outputs["CommsRetryStateMachineArn"], fired_at)

    counts = _emails_by_recipient()
    per_recipient = Counter(counts[f"{communication_id}@example.com"] for communication_id in ids)
    exactly_once = per_recipient == Counter({1: COUNT})

    e2e_rate, loop_rate = COUNT / e2e_seconds, COUNT / loop_seconds
    print(f"{'':38}{'seconds':>10}{'comms/s':>10}")
    print(f"{'schedule -> workflow -> API -> SES':38}{e2e_seconds:10.1f}{e2e_rate:10.1f}")
    print(f"{'plain loop of SES SendEmail':38}{loop_seconds:10.1f}{loop_rate:10.1f}")
    print(f"ratio (end to end / plain loop): {e2e_rate / loop_rate:.2f}")
    print(f"retry executions started since the firing: {executions}")
    print(f"emails per recipient: {dict(per_recipient)} -> exactly once: {exactly_once}")
    if not exactly_once:
        sys.exit(1)


def _executions_since(state_machine_arn: str, since: str) -> dict[str, int]:
    after = datetime.fromisoformat(since.replace("Z", "+00:00"))
    statuses: Counter = Counter()
    for page in (
        client("stepfunctions")
        .get_paginator("list_executions")
        .paginate(stateMachineArn=state_machine_arn)
    ):
        statuses.update(e["status"] for e in page["executions"] if e["startDate"] >= after)
    return dict(statuses)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


if __name__ == "__main__":
    main()
